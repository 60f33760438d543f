using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SkillInference.Bundles;
using SkillInference.Engines;
using SkillInference.Loading;
using SkillInference.Rollouts;
using SkillInference.Schema;
using SkillInference.Serialization;

namespace SkillInference.Registry;

/// <summary>
/// The deployment record of a model store (<c>registry.json</c>): which version of each skill is deployed, which
/// variants share its traffic, and the history, every change a compare-and-swap recorded with who, when and why. The
/// immutable bundles themselves are the <see cref="Bundles"/>; publishing checks both (the semver rule against what is
/// deployed, and that the model loads) before the bundle is written.
/// </summary>
internal sealed class ModelRegistry
{
    /// <summary>The registry document's path in the store.</summary>
    public const string RegistryPath = "registry.json";

    private readonly TimeProvider _time;
    private readonly ModelLoader _loader;
    private readonly ILogger _logger;

    /// <summary>Creates a registry over a store.</summary>
    /// <param name="store">Where bundles and the registry live.</param>
    /// <param name="timeProvider">The clock for history entries; the system clock by default.</param>
    /// <param name="formats">Format handlers used to check, before a publish or a deploy, that a model loads; none skips that check.</param>
    /// <param name="logger">A logger.</param>
    public ModelRegistry(IModelStore store, TimeProvider? timeProvider = null, IEnumerable<IModelFormat>? formats = null, ILogger<ModelRegistry>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        Store = store;
        Bundles = new BundleStore(store);
        _time = timeProvider ?? TimeProvider.System;
        _loader = new ModelLoader(Bundles, formats ?? [], ScoringEngine.Auto, _time);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The store.</summary>
    public IModelStore Store { get; }

    /// <summary>The published, immutable bundles of the store.</summary>
    public BundleStore Bundles { get; }

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
            var doc = StoredDocumentReader.ReadRegistry(stored.Content.Span)
                ?? throw new JsonException("the document is empty");
            return new RegistrySnapshot(doc, stored.Generation);
        }
        catch (JsonException ex)
        {
            throw new RegistryException(RegistryErrorKind.CorruptRegistry, $"{RegistryPath} in {Store.Location} is malformed: {ex.Message}", ex);
        }
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
        var existing = await Bundles.ListVersionsAsync(skill, cancellationToken).ConfigureAwait(false);
        if (existing.Contains(version))
        {
            throw new RegistryException(RegistryErrorKind.VersionExists, $"{skill}@{version} is already published; bundles are immutable, publish a new version.");
        }

        var schemaChanged = await CheckSemverRuleAsync(bundle, existing, cancellationToken).ConfigureAwait(false);
        _loader.TryVerify(bundle);
        var location = await Bundles.WriteAsync(bundle, cancellationToken).ConfigureAwait(false);
        var versionText = version.ToString();
        Log.Published(_logger, skill, versionText, location);
        return new PublishResult(skill, version, location, schemaChanged);
    }

    /// <summary>Deploys a published version: it serves all of the skill's traffic not routed to variants. Deploying the deployed version changes nothing.</summary>
    /// <exception cref="RegistryException">The version is not published, or the registry changed meanwhile (<see cref="RegistryErrorKind.Conflict"/>).</exception>
    /// <exception cref="BundleValidationException">The bundle fails verification.</exception>
    public Task<RegistrySnapshot> DeployAsync(string skill, string version, ChangeContext context, CancellationToken cancellationToken = default) =>
        DeployAsync(skill, version, context, verify: true, cancellationToken);

    /// <summary>Deploys; <paramref name="verify"/> false when the caller has loaded and checked the bundle itself (a serving catalog).</summary>
    internal async Task<RegistrySnapshot> DeployAsync(string skill, string version, ChangeContext context, bool verify, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!SemanticVersion.TryParse(version, out var parsed))
        {
            throw new RegistryException(RegistryErrorKind.InvalidRequest, $"'{version}' is not a semantic version (MAJOR.MINOR.PATCH).");
        }

        version = parsed.ToString();
        await EnsurePublishedAsync(skill, version, cancellationToken).ConfigureAwait(false);
        if (verify)
        {
            // Fetch, verify, compile and self-check once, as serving would; a bundle that would not serve is not deployed.
            var bundle = await Bundles.ReadAsync(skill, version, cancellationToken).ConfigureAwait(false);
            _loader.TryVerify(bundle);
        }

        var snapshot = await ReadAsync(cancellationToken).ConfigureAwait(false);
        var current = snapshot.Document.Skills.GetValueOrDefault(skill) ?? new SkillRegistration();
        if (current.Deployed == version && current.Variants.Count == 0 && current.Rollout is null)
        {
            return snapshot;
        }

        // A deploy ends any experiment: the deployed version serves everything, and a running rollout is aborted.
        var updated = current.EndExperiment(RolloutStates.Aborted, $"ended by the deploy of {version}", context.Actor, _time.GetUtcNow()) with
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
        await EnsurePublishedAsync(skill, target, cancellationToken).ConfigureAwait(false);

        // A rollback ends any experiment too: a bad version keeps no traffic.
        var updated = current.EndExperiment(RolloutStates.Aborted, $"ended by the rollback to {target}", context.Actor, _time.GetUtcNow()) with
        {
            Deployed = target,
            History = [.. current.History, Event(RegistryActions.Rollback, target, current.Deployed, context)],
        };
        var result = await WriteAsync(snapshot, skill, updated, context, "rollback", cancellationToken).ConfigureAwait(false);
        Log.RolledBack(_logger, skill, current.Deployed, target, context.Actor);
        return result;
    }

    /// <summary>
    /// Starts (or replaces) an experiment: the versions that share a skill's identified traffic by weight, the deployed
    /// (stable) version among them; an empty list ends the experiment. Each version must be published, each weight
    /// positive and finite, no version listed twice, and at least one candidate beside the deployed version. A list
    /// without the deployed version is refused: it would send all identified traffic to candidates. A new experiment
    /// gets a new id (new sticky groups); a rollout in progress must be ended first.
    /// </summary>
    public async Task<RegistrySnapshot> SetVariantsAsync(string skill, IReadOnlyList<TrafficVariant> variants, ChangeContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(variants);
        ArgumentNullException.ThrowIfNull(context);
        var normalized = new List<TrafficVariant>();
        for (var i = 0; i < variants.Count; i++)
        {
            var v = variants[i];
            if (!SemanticVersion.TryParse(v.Version, out var parsed))
            {
                throw new RegistryException(RegistryErrorKind.InvalidRequest, $"variants[{i}].version: '{Shorten(v.Version)}' is not a semantic version.");
            }

            if (!double.IsFinite(v.Weight) || v.Weight <= 0 || v.Weight > MaxVariantWeight)
            {
                throw new RegistryException(RegistryErrorKind.InvalidRequest, $"variants[{i}].weight: variant {parsed} needs a positive, finite weight of at most {MaxVariantWeight}.");
            }

            if (normalized.Any(n => n.Version == parsed.ToString()))
            {
                throw new RegistryException(RegistryErrorKind.InvalidRequest, $"variants[{i}].version: variant {parsed} is listed twice.");
            }

            await EnsurePublishedAsync(skill, parsed.ToString(), cancellationToken).ConfigureAwait(false);
            normalized.Add(v with { Version = parsed.ToString() });
        }

        var snapshot = await ReadAsync(cancellationToken).ConfigureAwait(false);
        var current = snapshot.Document.Skills.GetValueOrDefault(skill);
        if (current?.Deployed is null)
        {
            throw new RegistryException(RegistryErrorKind.SkillNotFound, $"Skill '{skill}' has never been deployed; deploy a version before adding variants.");
        }

        if (current.Rollout is { IsActive: true } rollout)
        {
            throw new RegistryException(RegistryErrorKind.InvalidRequest, $"variants: skill '{skill}' has a rollout of {rollout.Version} in progress ({rollout.State}); promote or abort it before changing the variants.");
        }

        if (normalized.Count > 0)
        {
            if (!normalized.Any(v => v.Version == current.Deployed))
            {
                throw new RegistryException(RegistryErrorKind.InvalidRequest, $"variants: the list must include the deployed version {current.Deployed} (the stable side of the experiment) with its weight; a list of candidates only would send all identified traffic to them.");
            }

            if (normalized.Count == 1)
            {
                throw new RegistryException(RegistryErrorKind.InvalidRequest, $"variants: the list names only the deployed version {current.Deployed}; add a candidate, or send an empty list to end the experiment.");
            }
        }

        var updated = normalized.Count == 0
            ? current.WithoutExperiment()
            : current with { Variants = normalized, ExperimentId = NewExperimentId() };
        updated = updated with
        {
            History = [.. current.History, Event(RegistryActions.Variants, current.Deployed, current.Deployed, context) with { Variants = normalized }],
        };
        var result = await WriteAsync(snapshot, skill, updated, context, "variants", cancellationToken).ConfigureAwait(false);
        Log.VariantsSet(_logger, skill, normalized.Count, context.Actor);
        return result;
    }

    /// <summary>The largest variant weight accepted (weights are relative; percentages fit).</summary>
    public const double MaxVariantWeight = 1_000_000;

    /// <summary>A new experiment id: short, random, unique enough to draw new groups.</summary>
    internal static string NewExperimentId() => Guid.NewGuid().ToString("N")[..12];

    private static string Shorten(string? text) => text is null ? "" : text.Length <= 64 ? text : text[..64] + "...";

    /// <summary>Fails with the versions that are published when <paramref name="version"/> is not.</summary>
    /// <exception cref="RegistryException"><see cref="RegistryErrorKind.SkillNotFound"/> or <see cref="RegistryErrorKind.VersionNotFound"/>.</exception>
    internal async Task EnsurePublishedAsync(string skill, string version, CancellationToken cancellationToken)
    {
        if (!await Bundles.ExistsAsync(skill, version, cancellationToken).ConfigureAwait(false))
        {
            var versions = await Bundles.ListVersionsAsync(skill, cancellationToken).ConfigureAwait(false);
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
            var siblingManifest = await Bundles.GetManifestAsync(bundle.Skill, sibling, cancellationToken).ConfigureAwait(false);
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

        var deployedManifest = await Bundles.GetManifestAsync(bundle.Skill, deployed, cancellationToken).ConfigureAwait(false);
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

    private RegistryEvent Event(string action, string? version, string? previous, ChangeContext context) => new()
    {
        Action = action,
        Version = version,
        Previous = previous,
        Actor = string.IsNullOrWhiteSpace(context.Actor) ? "unknown" : context.Actor,
        At = _time.GetUtcNow(),
        Reason = context.Reason,
    };

    /// <summary>
    /// Reads the registry, lets <paramref name="change"/> compute the skill's new registration from the one read (null:
    /// nothing to write), and writes it with a compare-and-swap on the generation read. A concurrent change makes it
    /// fail with <see cref="RegistryErrorKind.Conflict"/>, so a decision made on a stale registration is never written.
    /// </summary>
    internal async Task<RegistrySnapshot> UpdateSkillAsync(string skill, Func<SkillRegistration, DateTimeOffset, SkillRegistration?> change, ChangeContext context, string operation, CancellationToken cancellationToken)
    {
        var snapshot = await ReadAsync(cancellationToken).ConfigureAwait(false);
        var current = snapshot.Document.Skills.GetValueOrDefault(skill)
            ?? throw new RegistryException(RegistryErrorKind.SkillNotFound, $"Skill '{skill}' has never been deployed.");
        var updated = change(current, _time.GetUtcNow());
        return updated is null ? snapshot : await WriteAsync(snapshot, skill, updated, context, operation, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A history entry for a change made outside this class (a rollout's steps).</summary>
    internal RegistryEvent NewEvent(string action, string? version, string? previous, ChangeContext context) => Event(action, version, previous, context);

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
}
