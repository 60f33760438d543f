using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SkillInference.Bundles;
using SkillInference.Engines;
using SkillInference.Schema;
using SkillInference.Serialization;

namespace SkillInference.Registry;

/// <summary>
/// Publishes bundles to a model store and changes which version of each skill is deployed. Bundles are immutable;
/// every registry change is a compare-and-swap on <c>registry.json</c> recorded with who, when and why.
/// </summary>
public sealed class ModelRegistry
{
    /// <summary>The registry document's path in the store.</summary>
    public const string RegistryPath = "registry.json";

    private const string SkillsPrefix = "skills/";
    private readonly TimeProvider _time;
    private readonly Dictionary<string, IModelFormat> _formats;
    private readonly ILogger _logger;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Skill, string Version), BundleManifest> _manifests = new();

    /// <summary>Creates a registry over a store.</summary>
    /// <param name="store">Where bundles and the registry live.</param>
    /// <param name="timeProvider">The clock for history entries; the system clock by default.</param>
    /// <param name="formats">Format handlers used to check at publish time that a model loads; none skips that check.</param>
    /// <param name="logger">A logger.</param>
    public ModelRegistry(IModelStore store, TimeProvider? timeProvider = null, IEnumerable<IModelFormat>? formats = null, ILogger<ModelRegistry>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        Store = store;
        _time = timeProvider ?? TimeProvider.System;
        _formats = (formats ?? []).ToDictionary(f => f.Format, StringComparer.Ordinal);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The store.</summary>
    public IModelStore Store { get; }

    /// <summary>The store path of a bundle's folder, ending in '/'.</summary>
    public static string BundlePrefix(string skill, string version) => $"{SkillsPrefix}{skill}/{version}/";

    /// <summary>Reads the registry; an empty document (generation null) when it does not exist yet.</summary>
    /// <exception cref="RegistryException">The document is malformed.</exception>
    public async Task<RegistrySnapshot> ReadAsync(CancellationToken cancellationToken = default)
    {
        var stored = await Store.ReadAsync(RegistryPath, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return new RegistrySnapshot(RegistryDocument.Empty, null);
        }

        try
        {
            var doc = JsonSerializer.Deserialize(stored.Content.Span, SkillInferenceJsonContext.Default.RegistryDocument)
                ?? throw new JsonException("the document is empty");
            return new RegistrySnapshot(doc, stored.Generation);
        }
        catch (JsonException ex)
        {
            throw new RegistryException(RegistryErrorKind.CorruptRegistry, $"{RegistryPath} in {Store.Location} is malformed: {ex.Message}", ex);
        }
    }

    /// <summary>The skills with at least one published bundle, sorted.</summary>
    public async Task<IReadOnlyList<string>> ListSkillsAsync(CancellationToken cancellationToken = default)
    {
        var paths = await Store.ListAsync(SkillsPrefix, cancellationToken).ConfigureAwait(false);
        return paths.Select(ParseBundlePath).Where(p => p is not null).Select(p => p!.Value.Skill).Distinct().Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The published versions of a skill, ascending.</summary>
    public async Task<IReadOnlyList<SemanticVersion>> ListVersionsAsync(string skill, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(skill);
        var paths = await Store.ListAsync($"{SkillsPrefix}{skill}/", cancellationToken).ConfigureAwait(false);
        return paths.Select(ParseBundlePath)
            .Where(p => p is not null && p.Value.Skill == skill)
            .Select(p => p!.Value.Version)
            .Distinct()
            .Order()
            .ToArray();
    }

    /// <summary>Reads a published bundle's manifest; null when the version was never published. Cached: bundles are immutable.</summary>
    public async Task<BundleManifest?> GetManifestAsync(string skill, string version, CancellationToken cancellationToken = default)
    {
        if (_manifests.TryGetValue((skill, version), out var cached))
        {
            return cached;
        }

        var stored = await Store.ReadAsync(BundlePrefix(skill, version) + ModelBundle.ManifestFileName, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return null;
        }

        var manifest = ModelBundle.ParseManifest(stored.Content.Span);
        _manifests.TryAdd((skill, version), manifest);
        return manifest;
    }

    /// <summary>Reads and verifies a published bundle (manifest, model file, checksum).</summary>
    /// <exception cref="RegistryException"><see cref="RegistryErrorKind.VersionNotFound"/>.</exception>
    /// <exception cref="BundleValidationException">The bundle fails verification.</exception>
    /// <exception cref="ModelStoreException">The store is unavailable.</exception>
    public async Task<ModelBundle> LoadBundleAsync(string skill, string version, CancellationToken cancellationToken = default)
    {
        var prefix = BundlePrefix(skill, version);
        var manifestObject = await Store.ReadAsync(prefix + ModelBundle.ManifestFileName, cancellationToken).ConfigureAwait(false)
            ?? throw new RegistryException(RegistryErrorKind.VersionNotFound, $"{skill}@{version} is not published in {Store.Location}.");
        var manifest = ModelBundle.ParseManifest(manifestObject.Content.Span);
        if (manifest.Skill != skill || manifest.Version != version)
        {
            throw new BundleValidationException(BundleValidationErrorKind.InvalidManifest, $"The bundle at {prefix} declares {manifest.Skill}@{manifest.Version}.");
        }

        var model = await Store.ReadAsync(prefix + manifest.ModelFile, cancellationToken).ConfigureAwait(false)
            ?? throw new BundleValidationException(BundleValidationErrorKind.InvalidModel, $"The model file of {skill}@{version} is missing from {Store.Location}.");
        return ModelBundle.Parse(manifestObject.Content.Span, model.Content);
    }

    /// <summary>
    /// Verifies and publishes a bundle. Refused when the version exists, when the semver rule is broken (all versions of
    /// one MAJOR share a schema; a schema different from the deployed one needs a higher MAJOR), or when the model does
    /// not load. The manifest is written last, so a bundle is visible only once complete.
    /// </summary>
    public async Task<PublishResult> PublishAsync(ModelBundle bundle, ChangeContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(context);
        var skill = bundle.Skill;
        var version = bundle.Version;
        var existing = await ListVersionsAsync(skill, cancellationToken).ConfigureAwait(false);
        if (existing.Contains(version))
        {
            throw new RegistryException(RegistryErrorKind.VersionExists, $"{skill}@{version} is already published; bundles are immutable, publish a new version.");
        }

        var schemaChanged = await CheckSemverRuleAsync(bundle, existing, cancellationToken).ConfigureAwait(false);
        CheckModelLoads(bundle);

        var prefix = BundlePrefix(skill, version.ToString());
        try
        {
            await Store.WriteAsync(prefix + bundle.Manifest.ModelFile, bundle.ModelBytes, WriteCondition.IfNotExists, cancellationToken).ConfigureAwait(false);
        }
        catch (ModelStoreException ex) when (ex.Kind == ModelStoreErrorKind.PreconditionFailed)
        {
            // A publish that died between the model file and the manifest left the model file behind: same bytes, carry on.
            var leftover = await Store.ReadAsync(prefix + bundle.Manifest.ModelFile, cancellationToken).ConfigureAwait(false);
            if (leftover is null || ModelBundle.ComputeSha256(leftover.Content.Span) != bundle.Manifest.Sha256)
            {
                throw new RegistryException(RegistryErrorKind.VersionExists, $"{skill}@{version} is being published by someone else.", ex);
            }
        }

        try
        {
            await Store.WriteAsync(prefix + ModelBundle.ManifestFileName, bundle.SerializeManifest(), WriteCondition.IfNotExists, cancellationToken).ConfigureAwait(false);
        }
        catch (ModelStoreException ex) when (ex.Kind == ModelStoreErrorKind.PreconditionFailed)
        {
            throw new RegistryException(RegistryErrorKind.VersionExists, $"{skill}@{version} was published by someone else meanwhile.", ex);
        }

        var location = $"{Store.Location.TrimEnd('/')}/{prefix}";
        var versionText = version.ToString();
        Log.Published(_logger, skill, versionText, location);
        return new PublishResult(skill, version, location, schemaChanged);
    }

    /// <summary>Deploys a published version: it serves all of the skill's traffic not routed to variants. Deploying the deployed version changes nothing.</summary>
    /// <exception cref="RegistryException">The version is not published, or the registry changed meanwhile (<see cref="RegistryErrorKind.Conflict"/>).</exception>
    /// <exception cref="BundleValidationException">The bundle fails verification.</exception>
    public async Task<RegistrySnapshot> DeployAsync(string skill, string version, ChangeContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!SemanticVersion.TryParse(version, out var parsed))
        {
            throw new RegistryException(RegistryErrorKind.InvalidRequest, $"'{version}' is not a semantic version (MAJOR.MINOR.PATCH).");
        }

        version = parsed.ToString();
        await EnsurePublishedAsync(skill, version, cancellationToken).ConfigureAwait(false);
        var bundle = await LoadBundleAsync(skill, version, cancellationToken).ConfigureAwait(false);
        CheckModelLoads(bundle);

        var snapshot = await ReadAsync(cancellationToken).ConfigureAwait(false);
        var current = snapshot.Document.Skills.GetValueOrDefault(skill) ?? new SkillRegistration();
        if (current.Deployed == version)
        {
            return snapshot;
        }

        var updated = current with
        {
            Deployed = version,
            History = [.. current.History, Event(RegistryActions.Deploy, version, current.Deployed, context)],
        };
        var result = await WriteAsync(snapshot, skill, updated, context, "deploy", cancellationToken).ConfigureAwait(false);
        Log.Deployed(_logger, skill, version, current.Deployed, context.Actor);
        return result;
    }

    /// <summary>Restores the version deployed before the current one (repeatable: each rollback goes one deployment further back).</summary>
    /// <exception cref="RegistryException"><see cref="RegistryErrorKind.NothingToRollBack"/>, or a conflict.</exception>
    public async Task<RegistrySnapshot> RollbackAsync(string skill, ChangeContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var snapshot = await ReadAsync(cancellationToken).ConfigureAwait(false);
        var current = snapshot.Document.Skills.GetValueOrDefault(skill)
            ?? throw new RegistryException(RegistryErrorKind.SkillNotFound, $"Skill '{skill}' has never been deployed.");
        var stack = current.DeploymentStack();
        if (stack.Count < 2 || current.Deployed is null)
        {
            throw new RegistryException(RegistryErrorKind.NothingToRollBack, $"Skill '{skill}' has no earlier deployment to roll back to (deployed: {current.Deployed ?? "none"}).");
        }

        var target = stack[^2];
        await LoadBundleAsync(skill, target, cancellationToken).ConfigureAwait(false);
        var updated = current with
        {
            Deployed = target,
            History = [.. current.History, Event(RegistryActions.Rollback, target, current.Deployed, context)],
        };
        var result = await WriteAsync(snapshot, skill, updated, context, "rollback", cancellationToken).ConfigureAwait(false);
        Log.RolledBack(_logger, skill, current.Deployed, target, context.Actor);
        return result;
    }

    /// <summary>
    /// Sets the versions that share a skill's traffic by weight (empty: the deployed version serves everything).
    /// Each version must be published; weights must be positive.
    /// </summary>
    public async Task<RegistrySnapshot> SetVariantsAsync(string skill, IReadOnlyList<TrafficVariant> variants, ChangeContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(variants);
        ArgumentNullException.ThrowIfNull(context);
        var normalized = new List<TrafficVariant>();
        foreach (var v in variants)
        {
            if (!SemanticVersion.TryParse(v.Version, out var parsed))
            {
                throw new RegistryException(RegistryErrorKind.InvalidRequest, $"Variant version '{v.Version}' is not a semantic version.");
            }

            if (!double.IsFinite(v.Weight) || v.Weight <= 0)
            {
                throw new RegistryException(RegistryErrorKind.InvalidRequest, $"Variant {v.Version} needs a positive weight.");
            }

            if (normalized.Any(n => n.Version == parsed.ToString()))
            {
                throw new RegistryException(RegistryErrorKind.InvalidRequest, $"Variant {v.Version} is listed twice.");
            }

            await EnsurePublishedAsync(skill, parsed.ToString(), cancellationToken).ConfigureAwait(false);
            normalized.Add(v with { Version = parsed.ToString() });
        }

        var snapshot = await ReadAsync(cancellationToken).ConfigureAwait(false);
        var current = snapshot.Document.Skills.GetValueOrDefault(skill)
            ?? throw new RegistryException(RegistryErrorKind.SkillNotFound, $"Skill '{skill}' has never been deployed; deploy a version before adding variants.");
        var updated = current with
        {
            Variants = normalized,
            History = [.. current.History, Event(RegistryActions.Variants, current.Deployed, current.Deployed, context) with { Variants = normalized }],
        };
        var result = await WriteAsync(snapshot, skill, updated, context, "variants", cancellationToken).ConfigureAwait(false);
        Log.VariantsSet(_logger, skill, normalized.Count, context.Actor);
        return result;
    }

    private async Task EnsurePublishedAsync(string skill, string version, CancellationToken cancellationToken)
    {
        if (await Store.GetGenerationAsync(BundlePrefix(skill, version) + ModelBundle.ManifestFileName, cancellationToken).ConfigureAwait(false) is null)
        {
            var versions = await ListVersionsAsync(skill, cancellationToken).ConfigureAwait(false);
            throw versions.Count == 0
                ? new RegistryException(RegistryErrorKind.SkillNotFound, $"Skill '{skill}' has no published bundle in {Store.Location}.")
                : new RegistryException(RegistryErrorKind.VersionNotFound, $"{skill}@{version} is not published. Published versions: {string.Join(", ", versions)}.");
        }
    }

    private async Task<bool> CheckSemverRuleAsync(ModelBundle bundle, IReadOnlyList<SemanticVersion> existing, CancellationToken cancellationToken)
    {
        var fingerprint = bundle.Schema.Fingerprint;
        var sameMajor = existing.Where(v => v.Major == bundle.Version.Major).ToArray();
        if (sameMajor.Length > 0)
        {
            var sibling = sameMajor[^1].ToString();
            var siblingManifest = await GetManifestAsync(bundle.Skill, sibling, cancellationToken).ConfigureAwait(false);
            if (siblingManifest is not null && FeatureSchema.Create(siblingManifest.Features).Fingerprint != fingerprint)
            {
                throw new RegistryException(
                    RegistryErrorKind.SemverViolation,
                    $"{bundle.Skill}@{bundle.Version} changes the feature schema of {sibling} without a MAJOR version bump. A schema change (features, order, ranges, required flags or missing rules) needs version {bundle.Version.Major + 1}.0.0 or later.");
            }
        }

        var deployed = (await ReadAsync(cancellationToken).ConfigureAwait(false)).Document.Skills.GetValueOrDefault(bundle.Skill)?.Deployed;
        if (deployed is null)
        {
            return false;
        }

        var deployedManifest = await GetManifestAsync(bundle.Skill, deployed, cancellationToken).ConfigureAwait(false);
        if (deployedManifest is null || FeatureSchema.Create(deployedManifest.Features).Fingerprint == fingerprint)
        {
            return false;
        }

        var deployedVersion = SemanticVersion.Parse(deployed);
        if (bundle.Version.Major <= deployedVersion.Major)
        {
            throw new RegistryException(
                RegistryErrorKind.SemverViolation,
                $"{bundle.Skill}@{bundle.Version} has a different feature schema from the deployed {deployed}; a schema change needs a MAJOR version above {deployedVersion.Major} (e.g. {deployedVersion.Major + 1}.0.0).");
        }

        return true;
    }

    private void CheckModelLoads(ModelBundle bundle)
    {
        if (!_formats.TryGetValue(bundle.Manifest.Format, out var format))
        {
            return;
        }

        using var model = format.Load(bundle, ScoringEngine.Auto);
        if (model.FeatureCount != bundle.Schema.Count)
        {
            throw new BundleValidationException(BundleValidationErrorKind.InvalidModel, $"The model of {bundle.Skill}@{bundle.Version} takes {model.FeatureCount} features but the manifest lists {bundle.Schema.Count}.");
        }
    }

    private RegistryEvent Event(string action, string? version, string? previous, ChangeContext context) => new()
    {
        Action = action,
        Version = version,
        Previous = previous,
        Actor = string.IsNullOrWhiteSpace(context.Actor) ? "unknown" : context.Actor,
        At = _time.GetUtcNow(),
        Reason = context.Reason,
    };

    private async Task<RegistrySnapshot> WriteAsync(RegistrySnapshot snapshot, string skill, SkillRegistration registration, ChangeContext context, string operation, CancellationToken cancellationToken)
    {
        var document = snapshot.Document.WithSkill(skill, registration) with { UpdatedAt = _time.GetUtcNow(), UpdatedBy = context.Actor };
        var bytes = JsonSerializer.SerializeToUtf8Bytes(document, SkillInferenceJsonContext.Default.RegistryDocument);
        var condition = snapshot.Generation is null ? WriteCondition.IfNotExists : WriteCondition.IfGenerationMatch(snapshot.Generation);
        try
        {
            var generation = await Store.WriteAsync(RegistryPath, bytes, condition, cancellationToken).ConfigureAwait(false);
            return new RegistrySnapshot(document, generation);
        }
        catch (ModelStoreException ex) when (ex.Kind == ModelStoreErrorKind.PreconditionFailed)
        {
            Log.Conflict(_logger, operation, skill);
            throw new RegistryException(RegistryErrorKind.Conflict, $"The registry changed while this {operation} of '{skill}' was being made; nothing was written. Read the registry again and retry.", ex);
        }
    }

    private static (string Skill, SemanticVersion Version)? ParseBundlePath(string path)
    {
        // skills/<skill>/<version>/manifest.json: only complete bundles (the manifest is written last) count.
        var parts = path.Split('/');
        return parts.Length == 4 && parts[0] == "skills" && parts[3] == ModelBundle.ManifestFileName && SemanticVersion.TryParse(parts[2], out var v)
            ? (parts[1], v)
            : null;
    }
}
