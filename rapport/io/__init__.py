"""`rapport import` and `rapport export`: the command-line face of resolvers/io."""
