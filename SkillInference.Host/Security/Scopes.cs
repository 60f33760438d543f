namespace SkillInference.Host.Security;

/// <summary>
/// What a credential may do. Every endpoint but <c>/health/live</c> and <c>/health/ready</c> requires one of these
/// (the endpoint inventory test checks each mapped route); an authorization policy of the same name checks it.
/// </summary>
public static class Scopes
{
    /// <summary>Scoring (<c>/infer</c>, <c>/infer/batch</c>) and reading the models (<c>GET /models</c>).</summary>
    public const string Score = "score";

    /// <summary>Data ingestion: student invalidations and teacher ratings.</summary>
    public const string Ingest = "ingest";

    /// <summary>Operator actions: deploy, rollback, variants, rollouts, the dashboard; also operator names in model history.</summary>
    public const string Operate = "operate";

    /// <summary>The Prometheus scrape (<c>/metrics</c>) and the OpenAPI document.</summary>
    public const string Metrics = "metrics";

    /// <summary>Cloud Tasks deliveries of batch shards (Google-signed ID tokens of the configured service account).</summary>
    public const string Tasks = "tasks";

    /// <summary>The claim type a scope is carried in.</summary>
    public const string ClaimType = "scope";

    /// <summary>Every scope.</summary>
    public static IReadOnlyList<string> All { get; } = [Score, Ingest, Operate, Metrics, Tasks];
}
