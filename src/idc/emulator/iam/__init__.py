"""IAM as the local Identity Center applies it: policy documents and their evaluation."""
