# An Amazon MSK cluster for a2a-kafka: three brokers across three availability zones, TLS
# everywhere, SASL/SCRAM and IAM client authentication, encryption at rest with this module's
# KMS key, broker logs in CloudWatch, Prometheus exporters, no public access. Usage:
# docs/deploy.md; what each setting is for: docs/production.md.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  # The client listener of each enabled authentication mode (MSK's fixed ports).
  client_ports = concat(
    var.scram_enabled ? [{ port = 9096, what = "SASL/SCRAM over TLS" }] : [],
    var.iam_enabled ? [{ port = 9098, what = "IAM over TLS" }] : [],
  )
  monitoring_ports = [
    { port = 11001, what = "Prometheus JMX exporter" },
    { port = 11002, what = "Prometheus node exporter" },
  ]
  log_group_name = "/aws/msk/${var.cluster_name}"
}

# One customer-managed key encrypts the brokers' storage, the SCRAM secrets (MSK refuses secrets
# under the default Secrets Manager key) and the broker log group.
resource "aws_kms_key" "msk" {
  description             = "MSK ${var.cluster_name}: storage, SCRAM secrets, broker logs"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
  tags                    = var.tags
}

resource "aws_kms_alias" "msk" {
  name          = "alias/msk-${var.cluster_name}"
  target_key_id = aws_kms_key.msk.key_id
}

data "aws_iam_policy_document" "kms" {
  # The account administers the key and delegates its use (MSK, Secrets Manager) to IAM policies.
  # checkov:skip=CKV_AWS_109:A key policy's Resource "*" means this key only; the statement is AWS's default key policy, which lets the account's IAM policies manage the key.
  # checkov:skip=CKV_AWS_111:Same statement: without it the key could not be administered at all; IAM policies of the account constrain who may write.
  # checkov:skip=CKV_AWS_356:Resource "*" in a key policy refers to this key only; a key policy cannot name its own ARN before the key exists.
  statement {
    sid       = "AccountAdministersTheKey"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${local.account_id}:root"]
    }
  }

  # CloudWatch Logs encrypts the broker log group with the key.
  statement {
    sid       = "CloudWatchLogsEncryptsTheBrokerLogs"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${data.aws_region.current.name}.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${local.account_id}:log-group:${local.log_group_name}"]
    }
  }
}

resource "aws_cloudwatch_log_group" "broker" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.msk.arn
  tags              = var.tags
}

# Broker settings the binding relies on (docs/production.md §4, docs/binding.md §2):
# - auto.create.topics.enable=false: a caller deletes its reply topic when it closes; with
#   auto-creation on, a late reply (or the handler's existence check) would create it again,
#   and the reply would go to a topic nobody reads.
# - delete.topic.enable=true: callers delete their private reply topics.
# - default.replication.factor=3, min.insync.replicas=2: with producers' acks=all, an
#   acknowledged request or reply survives the loss of one broker, and producing goes on while
#   one is down. a2a-kafka creates its topics with A2A_KAFKA_REPLICATION_FACTOR (set it to 3).
# - allow.everyone.if.no.acl.found=false: SCRAM principals get only the ACLs that
#   `a2a-kafka acls` grants them (IAM principals are authorized by IAM policies instead).
# - log.retention.hours: how long request topics keep requests (audit, DLQ replay); reply and
#   task-event topics set retention.ms=3600000 themselves, the registry is compacted.
# - unclean.leader.election.enable=false: never elect an out-of-sync replica (no lost records).
resource "aws_msk_configuration" "a2a" {
  name           = "${var.cluster_name}-a2a-kafka"
  kafka_versions = [var.kafka_version]
  description    = "Broker settings for a2a-kafka (A2A over Kafka)"

  server_properties = <<-EOT
    auto.create.topics.enable=false
    delete.topic.enable=true
    default.replication.factor=3
    min.insync.replicas=2
    num.partitions=${var.default_partitions}
    allow.everyone.if.no.acl.found=false
    log.retention.hours=${var.log_retention_hours}
    unclean.leader.election.enable=false
  EOT

  lifecycle {
    create_before_destroy = true # a configuration in use cannot be deleted
  }
}

resource "aws_msk_cluster" "a2a" {
  cluster_name           = var.cluster_name
  kafka_version          = var.kafka_version
  number_of_broker_nodes = var.broker_count
  enhanced_monitoring    = var.enhanced_monitoring

  broker_node_group_info {
    instance_type   = var.broker_instance_type
    client_subnets  = var.client_subnet_ids
    security_groups = [aws_security_group.msk.id]

    storage_info {
      ebs_storage_info {
        volume_size = var.broker_volume_size
      }
    }

    connectivity_info {
      public_access {
        type = "DISABLED"
      }
    }
  }

  client_authentication {
    unauthenticated = false
    sasl {
      scram = var.scram_enabled
      iam   = var.iam_enabled
    }
  }

  encryption_info {
    encryption_at_rest_kms_key_arn = aws_kms_key.msk.arn
    encryption_in_transit {
      client_broker = "TLS"
      in_cluster    = true
    }
  }

  configuration_info {
    arn      = aws_msk_configuration.a2a.arn
    revision = aws_msk_configuration.a2a.latest_revision
  }

  open_monitoring {
    prometheus {
      jmx_exporter {
        enabled_in_broker = true
      }
      node_exporter {
        enabled_in_broker = true
      }
    }
  }

  logging_info {
    broker_logs {
      cloudwatch_logs {
        enabled   = true
        log_group = aws_cloudwatch_log_group.broker.name
      }
    }
  }

  lifecycle {
    precondition {
      condition     = var.scram_enabled || var.iam_enabled
      error_message = "Enable SCRAM, IAM or both: the cluster allows no unauthenticated clients."
    }
  }

  tags = var.tags
}
