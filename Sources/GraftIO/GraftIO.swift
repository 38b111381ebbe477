// GraftIO: weight and checkpoint formats (safetensors, PyTorch .pth).
