# Files of lib/src/model (appended to the layer's source list).
