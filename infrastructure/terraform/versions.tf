# Providers this module needs. It declares no provider configuration: as a root module it uses
# the AWS provider's defaults (region from AWS_REGION, credentials from the usual AWS chain), and
# as a child module it inherits the caller's `aws` provider.
terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60, < 7"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.6, < 4"
    }
  }
}
