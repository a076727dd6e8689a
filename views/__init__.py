"""What analysts see and type: the command line, the HTML graphs and the web workbench."""
