"""Code that runs inside the lab's containers: stdlib only, Debian's python3, no lab imports."""
