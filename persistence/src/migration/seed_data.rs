//! The seeded taxonomy. Ids are UUIDv5 of the slug, so every installation (and every
//! database engine) gives a seeded skill the same id and global ID.

use uuid::Uuid;

pub struct SeedCategory {
    pub slug: &'static str,
    pub name: &'static str,
    pub description: &'static str,
}

pub struct SeedSkill {
    pub slug: &'static str,
    pub name: &'static str,
    pub category: &'static str,
    pub aliases: &'static [&'static str],
}

const CATEGORY_NS: Uuid = Uuid::from_u128(0x6b1c_0f5e_8a43_4c53_9d55_8f2a_51a7_c001);
const SKILL_NS: Uuid = Uuid::from_u128(0x6b1c_0f5e_8a43_4c53_9d55_8f2a_51a7_c002);

pub fn category_id(slug: &str) -> Uuid {
    Uuid::new_v5(&CATEGORY_NS, slug.as_bytes())
}

pub fn skill_id(slug: &str) -> Uuid {
    Uuid::new_v5(&SKILL_NS, slug.as_bytes())
}

macro_rules! categories {
    ($($slug:literal, $name:literal, $desc:literal;)*) => {
        &[$(SeedCategory { slug: $slug, name: $name, description: $desc },)*]
    };
}

macro_rules! skills {
    ($($cat:literal: $($slug:literal $name:literal [$($alias:literal),*]),* ;)*) => {
        &[$($(SeedSkill { slug: $slug, name: $name, category: $cat, aliases: &[$($alias),*] },)*)*]
    };
}

pub const CATEGORIES: &[SeedCategory] = categories! {
    "backend-development", "Backend Development", "Server-side languages, runtimes and frameworks.";
    "apis-and-integration", "APIs & Integration", "API styles, protocols, messaging and integration.";
    "databases", "Databases", "Relational, document, key-value, wide-column and search stores.";
    "devops-and-cloud", "DevOps & Cloud", "Cloud platforms, containers, delivery pipelines and infrastructure as code.";
    "security", "Security", "Authentication, authorization, application and infrastructure security.";
    "architecture", "Architecture & Practices", "System design, testing, observability and engineering practices.";
    "data-engineering", "Data Engineering", "Pipelines, streaming, warehousing and analytics.";
};

pub const SKILLS: &[SeedSkill] = skills! {
    "backend-development":
        "nodejs" "Node.js" ["node", "node-js"],
        "python" "Python" ["py", "python3"],
        "java" "Java" ["jvm", "jdk"],
        "ruby" "Ruby" [],
        "php" "PHP" [],
        "go" "Go" ["golang"],
        "c-sharp" "C#" ["csharp", "c sharp", ".net", "dotnet"],
        "rust" "Rust" ["rust-lang", "rustlang"],
        "kotlin" "Kotlin" [],
        "scala" "Scala" [],
        "elixir" "Elixir" [],
        "typescript" "TypeScript" ["ts"],
        "cpp" "C++" ["c plus plus", "cplusplus"],
        "express" "Express" ["express.js", "expressjs"],
        "nestjs" "NestJS" ["nest.js"],
        "django" "Django" [],
        "fastapi" "FastAPI" [],
        "flask" "Flask" [],
        "spring-boot" "Spring Boot" ["spring"],
        "ruby-on-rails" "Ruby on Rails" ["rails", "ror"],
        "laravel" "Laravel" [],
        "symfony" "Symfony" [],
        "aspnet-core" "ASP.NET Core" ["asp.net", "aspnet"],
        "phoenix" "Phoenix" [],
        "actix-web" "Actix Web" ["actix"],
        "gin" "Gin" [];
    "apis-and-integration":
        "rest" "REST" ["restful", "rest api"],
        "graphql" "GraphQL" ["gql"],
        "grpc" "gRPC" ["protobuf", "protocol buffers"],
        "websockets" "WebSockets" ["websocket", "ws"],
        "openapi" "OpenAPI" ["swagger"],
        "webhooks" "Webhooks" [],
        "kafka" "Apache Kafka" ["kafka streams"],
        "rabbitmq" "RabbitMQ" ["amqp"],
        "nats" "NATS" [],
        "mqtt" "MQTT" [],
        "stripe-api" "Stripe API" ["stripe"],
        "soap" "SOAP" [];
    "databases":
        "postgresql" "PostgreSQL" ["postgres", "psql", "pg"],
        "mysql" "MySQL" [],
        "mariadb" "MariaDB" [],
        "sql-server" "SQL Server" ["mssql", "microsoft sql server", "t-sql"],
        "oracle-database" "Oracle Database" ["oracle", "pl/sql"],
        "sqlite" "SQLite" [],
        "mongodb" "MongoDB" ["mongo"],
        "cassandra" "Cassandra" ["apache cassandra"],
        "firebase" "Firebase" ["firestore"],
        "redis" "Redis" [],
        "elasticsearch" "Elasticsearch" ["elastic", "opensearch"],
        "dynamodb" "DynamoDB" ["dynamo"],
        "neo4j" "Neo4j" ["cypher"],
        "clickhouse" "ClickHouse" [],
        "sql" "SQL" [],
        "database-design" "Database Design" ["data modeling", "schema design"],
        "query-optimization" "Query Optimization" ["sql tuning", "performance tuning"];
    "devops-and-cloud":
        "aws" "AWS" ["amazon web services"],
        "azure" "Azure" ["microsoft azure"],
        "google-cloud" "Google Cloud" ["gcp", "google cloud platform"],
        "docker" "Docker" ["containers"],
        "kubernetes" "Kubernetes" ["k8s"],
        "ci-cd" "CI/CD" ["continuous integration", "continuous delivery", "cicd"],
        "github-actions" "GitHub Actions" [],
        "gitlab-ci" "GitLab CI" [],
        "jenkins" "Jenkins" [],
        "terraform" "Terraform" ["opentofu"],
        "ansible" "Ansible" [],
        "helm" "Helm" [],
        "linux" "Linux" ["unix"],
        "nginx" "Nginx" [],
        "serverless" "Serverless" ["aws lambda", "lambda", "cloud functions"],
        "git" "Git" [],
        "bash" "Bash" ["shell scripting", "shell"];
    "security":
        "oauth" "OAuth" ["oauth2", "oauth 2.0"],
        "openid-connect" "OpenID Connect" ["oidc"],
        "jwt" "JWT" ["json web token", "json web tokens"],
        "saml" "SAML" [],
        "owasp" "OWASP" ["owasp top 10"],
        "penetration-testing" "Penetration Testing" ["pentest", "pen testing"],
        "cryptography" "Cryptography" ["crypto"],
        "iam" "Identity & Access Management" ["identity and access management"];
    "architecture":
        "microservices" "Microservices" [],
        "system-design" "System Design" ["distributed systems"],
        "domain-driven-design" "Domain-Driven Design" ["ddd"],
        "event-driven-architecture" "Event-Driven Architecture" ["event sourcing", "cqrs"],
        "test-driven-development" "Test-Driven Development" ["tdd", "unit testing"],
        "observability" "Observability" ["monitoring", "opentelemetry", "prometheus"],
        "performance-engineering" "Performance Engineering" ["load testing", "profiling"],
        "caching" "Caching" [];
    "data-engineering":
        "etl" "ETL" ["elt", "data pipelines"],
        "apache-spark" "Apache Spark" ["spark", "pyspark"],
        "airflow" "Apache Airflow" ["airflow"],
        "snowflake" "Snowflake" [],
        "bigquery" "BigQuery" [],
        "dbt" "dbt" ["data build tool"],
        "flink" "Apache Flink" ["flink"];
};

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn seed_is_consistent() {
        let cats: HashSet<_> = CATEGORIES.iter().map(|c| c.slug).collect();
        assert_eq!(cats.len(), CATEGORIES.len(), "category slugs are unique");
        let mut slugs = HashSet::new();
        let mut names = HashSet::new();
        let mut aliases = HashSet::new();
        for s in SKILLS {
            assert!(cats.contains(s.category), "{} has a known category", s.slug);
            assert!(
                domain::taxonomy::SkillSlug::parse(s.slug).is_ok(),
                "{}",
                s.slug
            );
            assert!(slugs.insert(s.slug), "duplicate slug {}", s.slug);
            assert!(
                names.insert(s.name.to_lowercase()),
                "duplicate name {}",
                s.name
            );
            for a in s.aliases {
                assert!(aliases.insert(a.to_lowercase()), "duplicate alias {a}");
            }
        }
        // The skills the product document names are all there.
        for needed in [
            "nodejs",
            "python",
            "java",
            "ruby",
            "php",
            "go",
            "c-sharp",
            "rust",
            "postgresql",
            "mysql",
            "sql-server",
            "mongodb",
            "cassandra",
            "firebase",
            "redis",
            "rest",
            "graphql",
            "oauth",
            "jwt",
            "aws",
            "azure",
            "google-cloud",
            "ci-cd",
            "docker",
            "kubernetes",
            "git",
        ] {
            assert!(slugs.contains(needed), "{needed} is seeded");
        }
    }
}
