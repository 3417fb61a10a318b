# Files of lib/src/compress (appended to the layer's source list).
