"""irready's incident-readiness checks for checkov (load with --external-checks-dir policies/checkov).

Each file holds one check, for Terraform (HCL and plan JSON) and for CloudFormation. The rules
themselves live in policies/readiness.py, shared with `irready audit`.
"""
