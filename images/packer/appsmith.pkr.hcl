# One build, two clouds: the same steps and the same binary make the AWS AMI
# and the DigitalOcean snapshot. The binary does the work (`image prepare`)
# and judges the result (`image check`), so what the marketplaces review is
# tested in Go, not in shell here. See README.md.
packer {
  required_version = ">= 1.9.0"
  required_plugins {
    # Pinned: tools/packer/ builds these exact versions for `make images-validate`.
    amazon = {
      source  = "github.com/hashicorp/amazon"
      version = "1.8.2"
    }
    digitalocean = {
      source  = "github.com/digitalocean/digitalocean"
      version = "1.4.1"
    }
  }
}

locals {
  timestamp = formatdate("YYYYMMDDhhmmss", timestamp())
  name      = "appsmith-${var.edition}-${var.appsmith_version}-${local.timestamp}"
  binary    = var.binary != "" ? var.binary : "${path.root}/../../bin/appsmith-install"
  # What `image prepare --provider` calls each source's cloud.
  # Exit 2 of `cloud-init status --wait` is "done, with recoverable errors"
  # (deprecation warnings on stock images).
  wait_cloud_init = "rc=0; cloud-init status --wait >/dev/null || rc=$?; if [ $rc -ne 0 ] && [ $rc -ne 2 ]; then cloud-init status --long; exit $rc; fi"
  provider = {
    "amazon-ebs"   = "aws"
    "digitalocean" = "digitalocean"
  }
}

source "amazon-ebs" "ubuntu" {
  region          = var.aws_region
  instance_type   = var.aws_instance_type
  ami_name        = local.name
  ami_description = "Appsmith ${var.edition} ${var.appsmith_version} on Ubuntu 24.04 LTS, installed by appsmith-install"

  # Canonical's own Ubuntu 24.04 LTS images, the newest.
  source_ami_filter {
    filters = {
      name                = "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*"
      root-device-type    = "ebs"
      virtualization-type = "hvm"
      architecture        = "x86_64"
    }
    owners      = ["099720109477"]
    most_recent = true
  }

  # The AMI asks for IMDSv2 on every instance made from it (AWS Marketplace
  # wants IMDSv2-ready software; firstboot speaks only IMDSv2), and the build
  # instance itself runs with tokens required.
  imds_support = "v2.0"
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }
  ena_support   = true
  sriov_support = true

  launch_block_device_mappings {
    device_name           = "/dev/sda1"
    volume_size           = var.aws_volume_size
    volume_type           = "gp3"
    delete_on_termination = true
  }

  ssh_username              = "ubuntu"
  temporary_key_pair_type   = "ed25519"
  ssh_clear_authorized_keys = true

  tags = {
    Name             = local.name
    appsmith-edition = var.edition
    appsmith-version = var.appsmith_version
  }
  run_tags = {
    Name = "packer-${local.name}"
  }
}

source "digitalocean" "ubuntu" {
  api_token        = var.do_api_token
  image            = "ubuntu-24-04-x64"
  region           = var.do_region
  size             = var.do_size
  snapshot_name    = local.name
  snapshot_regions = var.do_snapshot_regions
  droplet_name     = "packer-${local.name}"
  # No agent in a Marketplace image (DigitalOcean's check fails one left in
  # /opt/digitalocean): the droplet's owner chooses.
  monitoring    = false
  droplet_agent = false
  ssh_username  = "root"
  tags          = ["appsmith-build"]
}

build {
  name    = "appsmith"
  sources = ["source.amazon-ebs.ubuntu", "source.digitalocean.ubuntu"]

  # Whatever the cloud's own cloud-init does at first boot (apt sources, SSH
  # keys, the ubuntu user) finishes before anything is changed.
  provisioner "shell" {
    inline = [local.wait_cloud_init]
  }

  # Both marketplaces scan for unpatched packages: the image ships with every
  # update applied, and boots once into a new kernel when there is one.
  provisioner "shell" {
    inline = [
      "sudo apt-get -o DPkg::Lock::Timeout=600 update",
      "sudo DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confold -y dist-upgrade",
      "if [ -f /var/run/reboot-required ]; then sudo systemctl reboot; fi",
    ]
    expect_disconnect = true
  }

  provisioner "shell" {
    pause_before = "30s"
    max_retries  = 5
    inline       = [local.wait_cloud_init]
  }

  provisioner "file" {
    source      = local.binary
    destination = "/tmp/appsmith-install"
  }

  provisioner "shell" {
    inline = [
      "sudo install -m 0755 -o root -g root /tmp/appsmith-install /usr/local/bin/appsmith-install",
      "rm -f /tmp/appsmith-install",
      "/usr/local/bin/appsmith-install version",
    ]
  }

  # Docker Engine, the Appsmith image by digest, the first-boot hook; then
  # the clean-up for publication. No secret and no running instance.
  # Its script runs from /dev/shm (memory, not the image): prepare empties
  # /tmp, and check finds it empty.
  provisioner "shell" {
    remote_folder   = "/dev/shm"
    execute_command = "{{ .Vars }} sh -e '{{ .Path }}'"
    inline = [
      "sudo /usr/local/bin/appsmith-install image prepare --provider ${local.provider[source.type]} --edition ${var.edition} --version ${var.appsmith_version}",
    ]
  }

  # Last, so nothing after it can dirty what it judged: both marketplaces'
  # publication rules, a non-zero exit on any failure stops the build.
  provisioner "shell" {
    remote_folder   = "/dev/shm"
    execute_command = "{{ .Vars }} sh -e '{{ .Path }}'"
    inline = [
      "sudo /usr/local/bin/appsmith-install image check --root /",
    ]
  }

  post-processor "manifest" {
    output     = "${path.root}/manifest.json"
    strip_path = true
    custom_data = {
      edition = var.edition
      version = var.appsmith_version
    }
  }
}
