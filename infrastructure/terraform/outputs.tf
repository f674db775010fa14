# What agents and callers need to connect, per authentication mode. The *_environment outputs
# are the variables of docs/configuration.md (MSK profile) for that mode; add the credentials
# (SCRAM: KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD from the user's secret).

output "bootstrap_brokers_sasl_scram" {
  description = "Brokers of the SASL/SCRAM listener (port 9096): KAFKA_BOOTSTRAP_SERVERS for SCRAM."
  value       = aws_msk_cluster.a2a.bootstrap_brokers_sasl_scram
}

output "bootstrap_brokers_sasl_iam" {
  description = "Brokers of the IAM listener (port 9098): KAFKA_BOOTSTRAP_SERVERS for AWS_MSK_IAM."
  value       = aws_msk_cluster.a2a.bootstrap_brokers_sasl_iam
}

output "scram_environment" {
  description = "a2a-kafka's environment for SASL/SCRAM clients (add KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD)."
  value = var.scram_enabled ? {
    KAFKA_BOOTSTRAP_SERVERS      = aws_msk_cluster.a2a.bootstrap_brokers_sasl_scram
    KAFKA_SECURITY_PROTOCOL      = "SASL_SSL"
    KAFKA_SASL_MECHANISM         = "SCRAM-SHA-512"
    A2A_KAFKA_REPLICATION_FACTOR = "3"
  } : null
}

output "iam_environment" {
  description = "a2a-kafka's environment for IAM clients (needs the msk extra and AWS credentials)."
  value = var.iam_enabled ? {
    KAFKA_BOOTSTRAP_SERVERS      = aws_msk_cluster.a2a.bootstrap_brokers_sasl_iam
    KAFKA_SECURITY_PROTOCOL      = "SASL_SSL"
    KAFKA_SASL_MECHANISM         = "AWS_MSK_IAM"
    AWS_REGION                   = data.aws_region.current.name
    A2A_KAFKA_REPLICATION_FACTOR = "3"
  } : null
}

output "scram_secret_names" {
  description = "Secrets Manager secret of each SCRAM user ({username, password} JSON)."
  value       = { for user, secret in aws_secretsmanager_secret.scram : user => secret.name }
}

output "cluster_arn" {
  description = "ARN of the MSK cluster (IAM policies: docs/production.md §5)."
  value       = aws_msk_cluster.a2a.arn
}

output "cluster_uuid" {
  description = "UUID of the cluster, part of its topic and group ARNs in IAM policies."
  value       = aws_msk_cluster.a2a.cluster_uuid
}

output "security_group_id" {
  description = "The brokers' security group."
  value       = aws_security_group.msk.id
}

output "kms_key_arn" {
  description = "The customer-managed key of the storage, the SCRAM secrets and the logs."
  value       = aws_kms_key.msk.arn
}

output "broker_log_group" {
  description = "CloudWatch log group of the broker logs."
  value       = aws_cloudwatch_log_group.broker.name
}
