"""Teaching with the lab: grade a student's predictions against a real run, tell two variants
apart, run a student's own configuration against the note's goal. Functions here return
result objects; lab.views.teach_view renders them, lab.cli.teach wires them to commands."""
