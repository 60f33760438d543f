using System.Security.Cryptography;
using System.Text.Json;
using SkillInference.Registry;
using SkillInference.Schema;
using SkillInference.Serialization;

namespace SkillInference.Bundles;

/// <summary>
/// A model bundle in memory: its manifest and its model file. Create one with <see cref="Create"/> (which computes the
/// checksum) or read one with <see cref="ReadDirectoryAsync"/> / <see cref="Parse"/> (which verify it).
/// </summary>
public sealed class ModelBundle
{
    /// <summary>The manifest's file name inside a bundle.</summary>
    public const string ManifestFileName = "manifest.json";

    private ModelBundle(BundleManifest manifest, ReadOnlyMemory<byte> modelBytes, FeatureSchema schema, SemanticVersion version)
    {
        Manifest = manifest;
        ModelBytes = modelBytes;
        Schema = schema;
        Version = version;
    }

    /// <summary>The manifest.</summary>
    public BundleManifest Manifest { get; }

    /// <summary>The model file's bytes.</summary>
    public ReadOnlyMemory<byte> ModelBytes { get; }

    /// <summary>The feature schema declared by the manifest.</summary>
    public FeatureSchema Schema { get; }

    /// <summary>The parsed version.</summary>
    public SemanticVersion Version { get; }

    /// <summary>The skill id.</summary>
    public string Skill => Manifest.Skill;

    /// <summary>Creates a bundle, filling in the model file's SHA-256, and verifies it.</summary>
    /// <exception cref="BundleValidationException">The manifest is inconsistent.</exception>
    public static ModelBundle Create(BundleManifest manifest, ReadOnlyMemory<byte> modelBytes)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return Verify(manifest with { Sha256 = ComputeSha256(modelBytes.Span) }, modelBytes);
    }

    /// <summary>Parses and verifies a bundle from its manifest JSON and model bytes.</summary>
    /// <exception cref="BundleValidationException">The manifest is malformed, inconsistent, or the checksum does not match.</exception>
    public static ModelBundle Parse(ReadOnlySpan<byte> manifestJson, ReadOnlyMemory<byte> modelBytes) =>
        Verify(ParseManifest(manifestJson), modelBytes);

    /// <summary>Parses a manifest without verifying it against a model file.</summary>
    /// <exception cref="BundleValidationException">The JSON is malformed or lacks required fields.</exception>
    public static BundleManifest ParseManifest(ReadOnlySpan<byte> manifestJson)
    {
        try
        {
            return StoredDocumentReader.ReadManifest(manifestJson)
                ?? throw new BundleValidationException(BundleValidationErrorKind.InvalidManifest, "manifest.json is empty.");
        }
        catch (JsonException ex)
        {
            throw new BundleValidationException(BundleValidationErrorKind.InvalidManifest, $"manifest.json is invalid: {ex.Message}", innerException: ex);
        }
    }

    /// <summary>Reads and verifies a bundle from a directory holding manifest.json and the model file.</summary>
    public static async Task<ModelBundle> ReadDirectoryAsync(string directory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var manifestPath = Path.Combine(directory, ManifestFileName);
        if (!File.Exists(manifestPath))
        {
            throw new BundleValidationException(BundleValidationErrorKind.InvalidManifest, $"'{directory}' is not a bundle: it has no {ManifestFileName}.");
        }

        var manifest = ParseManifest(await File.ReadAllBytesAsync(manifestPath, cancellationToken).ConfigureAwait(false));
        var modelPath = IsPlainFileName(manifest.ModelFile) ? Path.Combine(directory, manifest.ModelFile) : null;
        if (modelPath is null || !File.Exists(modelPath))
        {
            throw new BundleValidationException(BundleValidationErrorKind.InvalidModel, $"The bundle's model file '{manifest.ModelFile}' is missing from '{directory}'.");
        }

        return Verify(manifest, await File.ReadAllBytesAsync(modelPath, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Writes manifest.json and the model file into a directory (created if needed).</summary>
    public async Task WriteDirectoryAsync(string directory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        await File.WriteAllBytesAsync(Path.Combine(directory, Manifest.ModelFile), ModelBytes, cancellationToken).ConfigureAwait(false);
        await File.WriteAllBytesAsync(Path.Combine(directory, ManifestFileName), SerializeManifest(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The manifest as indented UTF-8 JSON.</summary>
    public byte[] SerializeManifest() => JsonSerializer.SerializeToUtf8Bytes(Manifest, SkillInferenceJsonContext.Default.BundleManifest);

    /// <summary>The lower-case hex SHA-256 of some bytes.</summary>
    public static string ComputeSha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Lists every inconsistency of a manifest; empty when it is valid.</summary>
    public static IReadOnlyList<string> ValidateManifest(BundleManifest manifest) =>
        FindProblems(manifest).Select(p => p.Message).ToArray();

    private static List<(BundleValidationErrorKind Kind, string Message)> FindProblems(BundleManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var problems = new List<(BundleValidationErrorKind Kind, string Message)>();
        void Manifest(string message) => problems.Add((BundleValidationErrorKind.InvalidManifest, message));
        void Schema(string message) => problems.Add((BundleValidationErrorKind.InvalidSchema, message));

        if (manifest.ManifestVersion is < 1 or > BundleManifest.CurrentManifestVersion)
        {
            Manifest($"manifestVersion {manifest.ManifestVersion} is not supported (this library reads 1..{BundleManifest.CurrentManifestVersion})");
        }

        if (!FeatureSchema.IsValidName(manifest.Skill))
        {
            Manifest($"skill '{manifest.Skill}' is not a valid id (use snake_case)");
        }

        if (!SemanticVersion.TryParse(manifest.Version, out _))
        {
            Manifest($"version '{manifest.Version}' is not a semantic version (MAJOR.MINOR.PATCH)");
        }

        if (!ModelFormats.All.Contains(manifest.Format))
        {
            problems.Add((BundleValidationErrorKind.UnsupportedFormat, $"format '{manifest.Format}' is unknown (expected one of {string.Join(", ", ModelFormats.All)})"));
        }

        if (!IsPlainFileName(manifest.ModelFile) || manifest.ModelFile == ManifestFileName)
        {
            Manifest($"modelFile '{manifest.ModelFile}' must be a plain file name other than {ManifestFileName}");
        }

        if (manifest.Sha256 is null || manifest.Sha256.Length != 64 || !manifest.Sha256.All(char.IsAsciiHexDigitLower))
        {
            Manifest("sha256 must be 64 lower-case hex digits");
        }

        var features = manifest.Features ?? [];
        foreach (var problem in FeatureSchema.Validate(features))
        {
            Schema(problem);
        }

        var n = features.Count;
        if (manifest.Scaler is { } scaler)
        {
            if (scaler.Kind != "standard")
            {
                Schema($"scaler kind '{scaler.Kind}' is unknown (only 'standard' exists)");
            }

            if (scaler.Mean is null || scaler.Scale is null || scaler.Mean.Count != n || scaler.Scale.Count != n)
            {
                Schema($"the scaler needs one mean and one scale for each of the {n} features");
            }
            else if (!scaler.Mean.All(double.IsFinite) || !scaler.Scale.All(s => double.IsFinite(s) && s != 0))
            {
                Schema("the scaler's means must be finite and its scales finite and non-zero");
            }
        }

        var stats = manifest.Statistics ?? [];
        if (stats.Count != 0 && (stats.Count != n || Enumerable.Range(0, n).Any(i => stats[i]?.Name != features[i]?.Name)))
        {
            Schema("statistics must list every feature, in schema order");
        }
        else
        {
            for (var i = 0; i < n; i++)
            {
                var rule = features[i]?.Missing?.Rule;
                if (rule is MissingValueStrategy.Median or MissingValueStrategy.Mean)
                {
                    var value = stats.Count == 0 ? double.NaN : rule == MissingValueStrategy.Median ? stats[i].Median : stats[i].Mean;
                    if (!double.IsFinite(value))
                    {
                        Schema($"feature '{features[i].Name}' imputes the training {(rule == MissingValueStrategy.Median ? "median" : "mean")}, but the bundle has no finite statistic for it");
                    }
                }
            }
        }

        var importance = manifest.Importance ?? [];
        if (importance.Count != 0 && (importance.Count != n || Enumerable.Range(0, n).Any(i => importance[i]?.Feature != features[i]?.Name)))
        {
            Schema("importance must list every feature, in schema order");
        }
        else if (importance.Any(i => !double.IsFinite(i.Gain) || i.Gain < 0))
        {
            Schema("importance gains must be finite and non-negative");
        }

        return problems;
    }

    private static ModelBundle Verify(BundleManifest manifest, ReadOnlyMemory<byte> modelBytes)
    {
        var problems = FindProblems(manifest);
        if (problems.Count > 0)
        {
            var messages = problems.Select(p => p.Message).ToArray();
            throw new BundleValidationException(
                problems[0].Kind,
                $"The bundle {manifest.Skill}@{manifest.Version} is invalid: {string.Join("; ", messages)}.",
                messages);
        }

        var actual = ComputeSha256(modelBytes.Span);
        if (!string.Equals(actual, manifest.Sha256, StringComparison.Ordinal))
        {
            throw new BundleValidationException(
                BundleValidationErrorKind.ChecksumMismatch,
                $"The bundle {manifest.Skill}@{manifest.Version} fails its checksum: the manifest says {manifest.Sha256[..12]}..., the model file is {actual[..12]}....");
        }

        return new ModelBundle(manifest, modelBytes, FeatureSchema.Create(manifest.Features), SemanticVersion.Parse(manifest.Version));
    }

    private static bool IsPlainFileName(string? name) =>
        !string.IsNullOrWhiteSpace(name) && name.IndexOfAny(['/', '\\']) < 0 && name is not "." and not "..";
}
