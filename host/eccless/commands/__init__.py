"""What the CLI's commands do, as library functions: pack, inspect, corrupt and evaluate images (image.py) and run
them on a device (run.py). cli.py only parses arguments and prints."""
