/**
 * The ACL operations a topic allows, as the bit set Kafka reports when no authorizer is
 * configured: READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS
 * (bits 3-8, 10, 11) = 3576.
 */
export const TOPIC_AUTHORIZED_OPERATIONS = 0b1101_1111_1000;
