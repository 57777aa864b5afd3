"""Shipped emotion models (.onnx), each with its model card (.json) and README."""
