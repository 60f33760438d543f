using SkillInference.Bundles;
using SkillInference.Engines;
using SkillInference.Schema;

namespace SkillInference.Loading;

/// <summary>A bundle loaded for serving: its engine, its feature preparation, and what results report.</summary>
internal sealed class LoadedModel : IDisposable
{
    public const int TopFeatureCount = 5;

    public LoadedModel(ModelBundle bundle, IScoringModel model, DateTimeOffset loadedAt)
    {
        Manifest = bundle.Manifest;
        Skill = bundle.Skill;
        Version = bundle.Version.ToString();
        Model = model;
        Builder = new FeatureVectorBuilder(bundle.Skill, bundle.Schema, bundle.Manifest);
        Names = [.. bundle.Schema.Features.Select(f => f.Name)];
        Importance = bundle.Manifest.Importance.Count == Names.Length
            ? [.. bundle.Manifest.Importance.Select(i => i.Gain)]
            : new double[Names.Length];
        TopIndices = [.. Enumerable.Range(0, Names.Length).OrderByDescending(i => Importance[i]).ThenBy(i => i).Take(TopFeatureCount)];
        LoadedAt = loadedAt;
        Facts = new ModelFacts(Skill, Version, Names, Importance, TopIndices);
    }

    /// <summary>What results report about this model.</summary>
    public ModelFacts Facts { get; }

    public string Skill { get; }

    public string Version { get; }

    public BundleManifest Manifest { get; }

    public IScoringModel Model { get; }

    public FeatureVectorBuilder Builder { get; }

    public string[] Names { get; }

    public double[] Importance { get; }

    public int[] TopIndices { get; }

    public DateTimeOffset LoadedAt { get; }

    /// <summary>Whether the engine can explain predictions (TreeSHAP).</summary>
    public bool CanExplain => Model is IExplainableModel { CanExplain: true };

    public void Dispose() => Model.Dispose();
}
