namespace SkillInference.Host.Configuration;

/// <summary>Host settings in the <c>SkillInference</c> section (beside the Core options).</summary>
public sealed class SkillInferenceHostOptions
{
    /// <summary>Where bundles and the registry live.</summary>
    public StoreOptions Store { get; set; } = new();

    /// <summary>The sample bundles created on an empty store.</summary>
    public SamplesOptions Samples { get; set; } = new();

    /// <summary>Who may call the host: API keys, Google ID tokens, scopes (docs/security.md).</summary>
    public SkillInference.Host.Security.AuthOptions Auth { get; set; } = new();

    /// <summary>Body sizes, explanations per request, per-client rate limits.</summary>
    public SkillInference.Host.Limits.LimitsOptions Limits { get; set; } = new();

    /// <summary>The Prometheus scraping endpoint.</summary>
    public MetricsOptions Metrics { get; set; } = new();
}

/// <summary>The metrics endpoint (OpenTelemetry, Prometheus text format).</summary>
public sealed class MetricsOptions
{
    /// <summary>
    /// Serve the <c>SkillInference</c> meter and ASP.NET Core's request metrics at <see cref="Path"/>. Collecting them
    /// costs CPU on every request (a few µs; see SkillInference.Benchmarks/RESULTS.md); turn it off when another
    /// collector listens to the meters, or where throughput matters more than the endpoint.
    /// </summary>
    /// <value>Defaults to true.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>The scraping path.</summary>
    /// <value>Defaults to <c>/metrics</c>.</value>
    public string Path { get; set; } = "/metrics";
}

/// <summary>The model store.</summary>
public sealed class StoreOptions
{
    /// <summary><c>FileSystem</c> (the embedded default) or <c>Gcs</c> (a Cloud Storage bucket: set <see cref="Bucket"/>).</summary>
    /// <value>Defaults to <c>FileSystem</c>.</value>
    public string Kind { get; set; } = "FileSystem";

    /// <summary>The folder of a file-system store, relative to the working directory.</summary>
    /// <value>Defaults to <c>.skillinference/store</c>.</value>
    public string Path { get; set; } = ".skillinference/store";

    /// <summary>The bucket of a <c>Gcs</c> store, e.g. <c>mass-production-ml-models</c>. Required when <see cref="Kind"/> is <c>Gcs</c>.</summary>
    public string? Bucket { get; set; }

    /// <summary>The folder inside the bucket that holds a <c>Gcs</c> store (<c>registry.json</c> and <c>skills/</c>).</summary>
    /// <value>Defaults to empty: the bucket's root.</value>
    public string Prefix { get; set; } = "";
}

/// <summary>The sample bundles.</summary>
public sealed class SamplesOptions
{
    /// <summary>
    /// Create, publish and deploy the sample bundles when the store has no bundle at all. Unset: only for a file-system
    /// store (the embedded default), never for a Cloud Storage store, where an empty store more likely means a wrong
    /// bucket or prefix than a first start (synthetic models must not be deployed into a real bucket by a typo).
    /// </summary>
    /// <value>Defaults to unset: true for <c>FileSystem</c>, false for <c>Gcs</c>.</value>
    public bool? SeedWhenEmpty { get; set; }

    /// <summary>The skill catalog; by default <c>samples/skills.json</c> beside the host or in the working directory.</summary>
    public string? Catalog { get; set; }

    /// <summary>Synthetic students to train the samples on.</summary>
    /// <value>Defaults to 6,000.</value>
    public int Students { get; set; } = 6_000;
}
