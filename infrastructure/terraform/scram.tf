# SASL/SCRAM users: one Secrets Manager secret per user, named AmazonMSK_<cluster>_<user> (MSK
# only associates secrets whose name starts with "AmazonMSK_") and encrypted with this module's
# customer-managed key (MSK refuses the default key). Passwords are generated here; read one with
#   aws secretsmanager get-secret-value --secret-id AmazonMSK_<cluster>_<user>
# They are also in the Terraform state: keep the state encrypted (e.g. an S3 backend with KMS).

resource "random_password" "scram" {
  for_each = var.scram_enabled ? var.scram_users : toset([])
  length   = 32
  special  = false
}

resource "aws_secretsmanager_secret" "scram" {
  # checkov:skip=CKV2_AWS_57:A SCRAM secret is a Kafka user's password that running agents hold; AWS provides no rotation function for MSK SCRAM secrets, so rotation is an operator step (docs/deploy.md, "Rotating a SCRAM password").
  for_each                = random_password.scram
  name                    = "AmazonMSK_${var.cluster_name}_${each.key}"
  description             = "MSK ${var.cluster_name}: SASL/SCRAM credentials of ${each.key}"
  kms_key_id              = aws_kms_key.msk.arn
  recovery_window_in_days = 7
  tags                    = var.tags
}

resource "aws_secretsmanager_secret_version" "scram" {
  for_each      = random_password.scram
  secret_id     = aws_secretsmanager_secret.scram[each.key].id
  secret_string = jsonencode({ username = each.key, password = each.value.result })
}

# MSK reads the associated secrets with this resource policy.
resource "aws_secretsmanager_secret_policy" "scram" {
  for_each   = aws_secretsmanager_secret.scram
  secret_arn = each.value.arn
  policy     = data.aws_iam_policy_document.scram_secret[each.key].json
}

data "aws_iam_policy_document" "scram_secret" {
  # checkov:skip=CKV_AWS_108:The one reader of a SCRAM secret must be MSK itself (service principal kafka.amazonaws.com, this secret only): MSK cannot associate a secret it cannot read.
  for_each = aws_secretsmanager_secret.scram
  statement {
    sid       = "AWSKafkaResourcePolicy"
    actions   = ["secretsmanager:getSecretValue"]
    resources = [each.value.arn]
    principals {
      type        = "Service"
      identifiers = ["kafka.amazonaws.com"]
    }
  }
}

resource "aws_msk_scram_secret_association" "a2a" {
  count           = var.scram_enabled ? 1 : 0
  cluster_arn     = aws_msk_cluster.a2a.arn
  secret_arn_list = [for s in aws_secretsmanager_secret.scram : s.arn]

  depends_on = [aws_secretsmanager_secret_version.scram, aws_secretsmanager_secret_policy.scram]
}
