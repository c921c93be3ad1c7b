"""Collectors: boto3 calls in, plain JSON-serializable data out. No judgement happens here."""
