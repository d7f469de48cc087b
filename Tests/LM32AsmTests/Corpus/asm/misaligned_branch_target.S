bi 2
