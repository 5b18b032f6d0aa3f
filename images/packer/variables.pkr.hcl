# What the image holds. The version is a tag; `image prepare` resolves it to
# a digest at bake time and records both, so every instance made from the
# image runs exactly what was baked and checked.
variable "edition" {
  type        = string
  default     = "ee"
  description = "Appsmith edition: ee (Business/Enterprise, free tier included) or ce (Community)."

  validation {
    condition     = contains(["ee", "ce"], var.edition)
    error_message = "The edition must be ee or ce."
  }
}

variable "appsmith_version" {
  type        = string
  description = "Appsmith release tag to bake, such as v1.9.38 (resolved to a digest at bake time)."

  validation {
    condition     = can(regex("^v[0-9]+\\.[0-9]+\\.[0-9]+$", var.appsmith_version))
    error_message = "The appsmith_version must be a release tag such as v1.9.38."
  }
}

variable "binary" {
  type        = string
  default     = ""
  description = "The appsmith-install binary to put in the image (linux/amd64); default: the repository's bin/appsmith-install, which `make build` writes."
}

# Amazon Web Services.
variable "aws_region" {
  type        = string
  default     = "us-east-1"
  description = "Region the AMI is built in (copy it to others when publishing)."
}

variable "aws_instance_type" {
  type        = string
  default     = "t3.medium"
  description = "Instance type of the build (x86_64; Appsmith wants 4 GB of memory)."
}

variable "aws_volume_size" {
  type        = number
  default     = 20
  description = "Root volume of the AMI in GiB: the smallest disk an instance made from it can have."
}

# DigitalOcean.
variable "do_api_token" {
  type        = string
  default     = env("DIGITALOCEAN_TOKEN")
  sensitive   = true
  description = "DigitalOcean API token (from DIGITALOCEAN_TOKEN; never put it on a command line)."
}

variable "do_region" {
  type        = string
  default     = "nyc3"
  description = "Region the droplet snapshot is built in."
}

variable "do_size" {
  type        = string
  default     = "s-2vcpu-4gb"
  description = "Droplet size of the build; the snapshot fits this size and larger."
}

variable "do_snapshot_regions" {
  type        = list(string)
  default     = []
  description = "Regions to copy the snapshot to besides do_region."
}
