variable "cluster_name" {
  description = "Name of the MSK cluster; also prefixes its configuration, log group, key alias and SCRAM secrets."
  type        = string
  default     = "a2a"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9-]{0,63}$", var.cluster_name))
    error_message = "cluster_name: a letter, then letters, digits and '-', at most 64."
  }
}

variable "kafka_version" {
  description = "Apache Kafka version of the brokers, as MSK names it (e.g. 3.9.x, 4.0.x)."
  type        = string
  default     = "3.9.x"
}

variable "vpc_id" {
  description = "VPC of the brokers, the agents and the callers."
  type        = string
}

variable "client_subnet_ids" {
  description = "Private subnets for the brokers, one in each of three availability zones."
  type        = list(string)

  validation {
    condition     = length(var.client_subnet_ids) == 3
    error_message = "client_subnet_ids: give three subnets, one per availability zone."
  }
}

variable "broker_count" {
  description = "Number of brokers: a multiple of the three availability zones."
  type        = number
  default     = 3

  validation {
    condition     = var.broker_count >= 3 && var.broker_count % 3 == 0
    error_message = "broker_count must be a positive multiple of 3 (one or more per zone)."
  }
}

variable "broker_instance_type" {
  description = "MSK broker instance type."
  type        = string
  default     = "kafka.m7g.large"
}

variable "broker_volume_size" {
  description = "EBS storage per broker, in GiB."
  type        = number
  default     = 100
}

variable "client_cidr_blocks" {
  description = "CIDR blocks of the agents and callers allowed to reach the client listeners."
  type        = list(string)
  default     = []
}

variable "client_security_group_ids" {
  description = "Security groups of the agents and callers allowed to reach the client listeners."
  type        = list(string)
  default     = []
}

variable "monitoring_cidr_blocks" {
  description = "CIDR blocks of the Prometheus servers that scrape the JMX (11001) and node (11002) exporters."
  type        = list(string)
  default     = []
}

variable "scram_enabled" {
  description = "SASL/SCRAM-SHA-512 client authentication (port 9096), with Kafka ACLs."
  type        = bool
  default     = true
}

variable "iam_enabled" {
  description = "IAM client authentication (port 9098), authorized by IAM policies."
  type        = bool
  default     = true
}

variable "scram_users" {
  description = "SCRAM user names, one per agent and caller identity (and an operator); each gets a generated password in its own Secrets Manager secret."
  type        = set(string)
  default     = ["data", "cs", "balance", "gui"]

  validation {
    condition     = alltrue([for u in var.scram_users : can(regex("^[A-Za-z0-9_.-]{1,64}$", u))])
    error_message = "scram_users: letters, digits, '_', '.' and '-', at most 64 each."
  }
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the broker logs."
  type        = number
  default     = 365
}

variable "log_retention_hours" {
  description = "Broker default retention of records (log.retention.hours): how long request topics keep requests for `a2a-kafka audit` and `dlq replay`."
  type        = number
  default     = 168
}

variable "default_partitions" {
  description = "Partitions of topics created without a count (num.partitions); a2a-kafka names its own (A2A_KAFKA_PARTITIONS)."
  type        = number
  default     = 6
}

variable "enhanced_monitoring" {
  description = "CloudWatch metrics level: DEFAULT (includes the consumer-lag metrics per group), PER_BROKER, PER_TOPIC_PER_BROKER or PER_TOPIC_PER_PARTITION."
  type        = string
  default     = "DEFAULT"

  validation {
    condition     = contains(["DEFAULT", "PER_BROKER", "PER_TOPIC_PER_BROKER", "PER_TOPIC_PER_PARTITION"], var.enhanced_monitoring)
    error_message = "enhanced_monitoring: DEFAULT, PER_BROKER, PER_TOPIC_PER_BROKER or PER_TOPIC_PER_PARTITION."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
