using SkillInference.Bundles;
using SkillInference.Engines;

namespace SkillInference.Loading;

/// <summary>
/// Where a model is loaded, the one place: fetch the bundle → verify its checksum and manifest → pick the format →
/// compile it for the engine → self-check (the input size matches the schema, and a probe row scores to a probability).
/// The serving catalog, deploys and publishes all load through here, so a bundle that any of them accepts is one the
/// others accept.
/// </summary>
internal sealed class ModelLoader
{
    private readonly BundleStore _bundles;
    private readonly Dictionary<string, IModelFormat> _formats;
    private readonly ScoringEngine _engine;
    private readonly TimeProvider _time;

    public ModelLoader(BundleStore bundles, IEnumerable<IModelFormat> formats, ScoringEngine engine, TimeProvider time)
    {
        _bundles = bundles;
        _formats = formats.GroupBy(f => f.Format).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        _engine = engine;
        _time = time;
    }

    /// <summary>The formats this process can load.</summary>
    public IReadOnlyCollection<string> Formats => _formats.Keys;

    /// <summary>Fetches, verifies, compiles and checks a published bundle.</summary>
    /// <exception cref="Registry.RegistryException">The version is not published.</exception>
    /// <exception cref="BundleValidationException">The bundle fails verification, its format is not registered, or its model does not load or score.</exception>
    /// <exception cref="Registry.ModelStoreException">The store is unavailable.</exception>
    public async Task<LoadedModel> LoadAsync(string skill, string version, CancellationToken cancellationToken)
    {
        var bundle = await _bundles.ReadAsync(skill, version, cancellationToken).ConfigureAwait(false);
        return Load(bundle);
    }

    /// <summary>Compiles and checks a verified bundle.</summary>
    /// <exception cref="BundleValidationException">Its format is not registered, or its model does not load or score.</exception>
    public LoadedModel Load(ModelBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        if (!_formats.TryGetValue(bundle.Manifest.Format, out var format))
        {
            throw new BundleValidationException(
                BundleValidationErrorKind.UnsupportedFormat,
                $"No engine for format '{bundle.Manifest.Format}' is registered in this process (registered: {string.Join(", ", _formats.Keys)}).");
        }

        var model = format.Load(bundle, _engine);
        try
        {
            SelfCheck(bundle, model);
            return new LoadedModel(bundle, model, _time.GetUtcNow());
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Whether a format's model loads for this bundle (without keeping it): the check before a publish.</summary>
    /// <returns>False when this process has no engine for the format (the check is then left to whoever serves it).</returns>
    public bool TryVerify(ModelBundle bundle)
    {
        if (!_formats.ContainsKey(bundle.Manifest.Format))
        {
            return false;
        }

        Load(bundle).Dispose();
        return true;
    }

    private static void SelfCheck(ModelBundle bundle, IScoringModel model)
    {
        if (model.FeatureCount != bundle.Schema.Count)
        {
            throw new BundleValidationException(BundleValidationErrorKind.InvalidModel, $"The model of {bundle.Skill}@{bundle.Version} takes {model.FeatureCount} features but the manifest lists {bundle.Schema.Count}.");
        }

        // A row at the training mean (0 after scaling): any servable model gives it a probability.
        var probe = new float[model.FeatureCount];
        var p = model.Predict(probe);
        if (!float.IsFinite(p) || p < 0 || p > 1)
        {
            throw new BundleValidationException(BundleValidationErrorKind.InvalidModel, $"The model of {bundle.Skill}@{bundle.Version} does not score a probe row to a probability.");
        }
    }
}
