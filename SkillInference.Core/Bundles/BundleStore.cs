using System.Collections.Concurrent;
using SkillInference.Registry;

namespace SkillInference.Bundles;

/// <summary>
/// The published bundles of a model store: <c>skills/&lt;skill&gt;/&lt;version&gt;/</c> holding <c>manifest.json</c> and the model
/// file. Bundles are immutable: written once (the manifest last, so a bundle is visible only when complete), read and
/// verified (checksum, manifest) on every read, and their manifests cached. What is deployed is the
/// <see cref="ModelRegistry"/>'s business, not this one's.
/// </summary>
internal sealed class BundleStore
{
    private const string SkillsPrefix = "skills/";
    private readonly ConcurrentDictionary<(string Skill, string Version), BundleManifest> _manifests = new();

    /// <summary>Creates the view of a store's bundles.</summary>
    public BundleStore(IModelStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        Store = store;
    }

    /// <summary>The store.</summary>
    public IModelStore Store { get; }

    /// <summary>The store path of a bundle's folder, ending in '/'.</summary>
    public static string BundlePrefix(string skill, string version) => $"{SkillsPrefix}{skill}/{version}/";

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

    /// <summary>Whether a version is published (its manifest exists), without reading it.</summary>
    public async Task<bool> ExistsAsync(string skill, string version, CancellationToken cancellationToken = default) =>
        _manifests.ContainsKey((skill, version))
        || await Store.GetGenerationAsync(BundlePrefix(skill, version) + ModelBundle.ManifestFileName, cancellationToken).ConfigureAwait(false) is not null;

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
    public async Task<ModelBundle> ReadAsync(string skill, string version, CancellationToken cancellationToken = default)
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
        var bundle = ModelBundle.Parse(manifestObject.Content.Span, model.Content);
        _manifests.TryAdd((skill, version), bundle.Manifest);
        return bundle;
    }

    /// <summary>
    /// Writes a verified bundle once: the model file, then the manifest (so the bundle is visible only when complete).
    /// A model file left behind by a publish that died before its manifest is taken over if it holds the same bytes.
    /// </summary>
    /// <returns>The bundle's location.</returns>
    /// <exception cref="RegistryException"><see cref="RegistryErrorKind.VersionExists"/> when someone else published that version.</exception>
    internal async Task<string> WriteAsync(ModelBundle bundle, CancellationToken cancellationToken)
    {
        var skill = bundle.Skill;
        var version = bundle.Version;
        var prefix = BundlePrefix(skill, version.ToString());
        try
        {
            await Store.WriteAsync(prefix + bundle.Manifest.ModelFile, bundle.ModelBytes, WriteCondition.IfNotExists, cancellationToken).ConfigureAwait(false);
        }
        catch (ModelStoreException ex) when (ex.Kind == ModelStoreErrorKind.PreconditionFailed)
        {
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

        _manifests.TryAdd((skill, version.ToString()), bundle.Manifest);
        return $"{Store.Location.TrimEnd('/')}/{prefix}";
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
