# Files of lib/src/entropy (appended to the layer's source list).
