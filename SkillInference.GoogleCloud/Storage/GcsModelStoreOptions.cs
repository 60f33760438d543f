using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace SkillInference.GoogleCloud.Storage;

/// <summary>
/// Options of <see cref="GcsModelStore"/>: which bucket and prefix hold the bundles and <c>registry.json</c>, and how
/// hard to try when Cloud Storage fails transiently. Validated at start-up.
/// </summary>
public sealed partial class GcsModelStoreOptions : IValidatableObject
{
    /// <summary>The URI scheme of a store location, as in <c>gs://bucket/prefix</c>.</summary>
    public const string UriScheme = "gs";

    /// <summary>The environment variable that points Google clients at an emulator (e.g. <c>http://127.0.0.1:9199</c>).</summary>
    public const string EmulatorHostVariable = "STORAGE_EMULATOR_HOST";

    /// <summary>The bucket, e.g. <c>mass-production-ml-models</c>. Required.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Bucket { get; set; } = "";

    /// <summary>
    /// The folder inside the bucket that holds the store (<c>registry.json</c> and <c>skills/</c>), e.g. <c>prod</c> or
    /// <c>teams/ml/models</c>; a trailing '/' is optional.
    /// </summary>
    /// <value>Defaults to empty: the bucket's root.</value>
    public string Prefix { get; set; } = "";

    /// <summary>
    /// A Cloud Storage emulator to talk to without credentials (e.g. <c>http://127.0.0.1:9199</c>; a bare
    /// <c>host:port</c> means http). Unset: Cloud Storage itself, with Application Default Credentials.
    /// </summary>
    /// <value>Defaults to the <c>STORAGE_EMULATOR_HOST</c> environment variable, the Google client convention.</value>
    public string? EmulatorHost { get; set; } = Environment.GetEnvironmentVariable(EmulatorHostVariable) is { Length: > 0 } host ? host : null;

    /// <summary>How many times an operation is retried after a transient failure (429, 5xx, timeout, broken connection, corrupt download).</summary>
    /// <value>Defaults to 4 (five attempts in all). 0 disables retries.</value>
    [Range(0, 20)]
    public int MaxRetryAttempts { get; set; } = 4;

    /// <summary>The wait before the first retry; each further retry waits about twice as long (with jitter).</summary>
    /// <value>Defaults to 500 milliseconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest wait between two attempts.</summary>
    /// <value>Defaults to 10 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one attempt may take before it is abandoned and counted as a transient failure.</summary>
    /// <value>Defaults to 60 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How many object names one list request asks for (Cloud Storage answers at most 1,000).</summary>
    /// <value>Defaults to 1,000.</value>
    [Range(1, 1000)]
    public int ListPageSize { get; set; } = 1000;

    /// <summary>The prefix as object names use it: empty, or ending in '/'.</summary>
    internal string NormalizedPrefix => Prefix.Length == 0 || Prefix.EndsWith('/') ? Prefix : Prefix + "/";

    /// <summary>The store's location, <c>gs://bucket/prefix</c>.</summary>
    internal string Location => $"{UriScheme}://{Bucket}/{NormalizedPrefix}".TrimEnd('/');

    /// <summary>Whether <paramref name="location"/> names a Cloud Storage store (<c>gs://...</c>).</summary>
    public static bool IsGcsUri(string? location) =>
        location is not null && location.StartsWith(UriScheme + "://", StringComparison.OrdinalIgnoreCase);

    /// <summary>Options for a store location <c>gs://BUCKET</c> or <c>gs://BUCKET/PREFIX</c>, with the other options at their defaults.</summary>
    /// <exception cref="ArgumentException">The location is not a <c>gs://</c> URI with a bucket.</exception>
    public static GcsModelStoreOptions FromUri(string location)
    {
        ArgumentException.ThrowIfNullOrEmpty(location);
        if (!IsGcsUri(location))
        {
            throw new ArgumentException($"'{location}' is not a Cloud Storage location (gs://BUCKET/PREFIX).", nameof(location));
        }

        var rest = location[(UriScheme.Length + 3)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? rest : rest[..slash];
        if (bucket.Length == 0)
        {
            throw new ArgumentException($"'{location}' names no bucket (gs://BUCKET/PREFIX).", nameof(location));
        }

        return new GcsModelStoreOptions { Bucket = bucket, Prefix = slash < 0 ? "" : rest[(slash + 1)..] };
    }

    /// <summary>Checks what the attributes cannot: bucket naming rules, the prefix's segments and the emulator address.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Bucket.Length > 0 && !BucketName().IsMatch(Bucket))
        {
            yield return new ValidationResult(
                $"'{Bucket}' is not a valid bucket name: 3 to 63 lowercase letters, digits, '-', '_' or '.', starting and ending with a letter or digit.",
                [nameof(Bucket)]);
        }

        var prefix = Prefix.EndsWith('/') ? Prefix[..^1] : Prefix;
        if (prefix.Length > 0 && (prefix.StartsWith('/') || prefix.Contains('\\', StringComparison.Ordinal) || prefix.Split('/').Any(s => s is "" or "." or "..")))
        {
            yield return new ValidationResult(
                $"'{Prefix}' is not a valid prefix: use '/'-separated folder names without a leading '/', empty segments, '.' or '..'.",
                [nameof(Prefix)]);
        }

        if (EmulatorHost is { Length: > 0 } && TryGetEmulatorUri(EmulatorHost) is null)
        {
            yield return new ValidationResult($"'{EmulatorHost}' is not an emulator address (http://HOST:PORT or HOST:PORT).", [nameof(EmulatorHost)]);
        }

        if (MaxRetryDelay < RetryDelay)
        {
            yield return new ValidationResult($"{nameof(MaxRetryDelay)} ({MaxRetryDelay}) is shorter than {nameof(RetryDelay)} ({RetryDelay}).", [nameof(MaxRetryDelay)]);
        }
    }

    /// <summary>The emulator's root URI (ending in '/'), or null when <paramref name="host"/> is not an address.</summary>
    internal static Uri? TryGetEmulatorUri(string host)
    {
        var withScheme = host.Contains("://", StringComparison.Ordinal) ? host : "http://" + host;
        return Uri.TryCreate(withScheme, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0
            ? new Uri(uri.GetLeftPart(UriPartial.Authority) + "/")
            : null;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketName();
}
