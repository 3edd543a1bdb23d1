"""What a user can do, as functions over the core: each returns data and renders nothing.
The command line (lab.cli) and the benches call these; so will the browser pages."""
