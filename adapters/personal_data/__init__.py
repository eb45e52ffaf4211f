"""Personal data (个人信息): encryption at rest, masking, export, erasure and retention."""
