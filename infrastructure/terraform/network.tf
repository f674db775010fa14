# The brokers' security group: the client listener of each enabled authentication mode from
# the agents' and callers' networks, the Prometheus exporters from the monitoring network,
# nothing else. No egress rule: brokers only answer connections (Terraform removes AWS's
# default allow-all egress rule from a group it creates).
resource "aws_security_group" "msk" {
  name_prefix = "${var.cluster_name}-msk-"
  description = "MSK ${var.cluster_name}: Kafka clients and Prometheus scrapes"
  vpc_id      = var.vpc_id
  tags        = var.tags

  dynamic "ingress" {
    for_each = length(var.client_cidr_blocks) + length(var.client_security_group_ids) > 0 ? local.client_ports : []
    content {
      description     = "Kafka clients: ${ingress.value.what}"
      from_port       = ingress.value.port
      to_port         = ingress.value.port
      protocol        = "tcp"
      cidr_blocks     = var.client_cidr_blocks
      security_groups = var.client_security_group_ids
    }
  }

  dynamic "ingress" {
    for_each = length(var.monitoring_cidr_blocks) > 0 ? local.monitoring_ports : []
    content {
      description = ingress.value.what
      from_port   = ingress.value.port
      to_port     = ingress.value.port
      protocol    = "tcp"
      cidr_blocks = var.monitoring_cidr_blocks
    }
  }

  lifecycle {
    create_before_destroy = true
  }
}
