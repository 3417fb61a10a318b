# Files of lib/src/container (appended to the layer's source list).
