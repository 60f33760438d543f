using SkillInference.Bundles;
using SkillInference.Schema;
using SkillInference.Training;

namespace SkillInference.Tests.Infrastructure;

/// <summary>Real bundles for tests: re-versioned copies of the samples, and small models trained on other schemas.</summary>
public static class TestBundles
{
    /// <summary>The same model under another version (a PATCH/MINOR publish on the same schema).</summary>
    public static ModelBundle WithVersion(ModelBundle bundle, string version, string? description = null) =>
        ModelBundle.Create(bundle.Manifest with { Version = version, Description = description ?? bundle.Manifest.Description }, bundle.ModelBytes);

    /// <summary>A quickly trained real model (few trees) for a skill, optionally with a different feature list.</summary>
    public static ModelBundle Train(string skill, string version, Func<IReadOnlyList<FeatureSpec>, IEnumerable<FeatureSpec>>? changeFeatures = null, int trees = 20, int seed = 1)
    {
        var definition = SampleStore.Catalog[skill];
        if (changeFeatures is not null)
        {
            definition = definition with { Schema = FeatureSchema.Create(changeFeatures(definition.Schema.Features)) };
        }

        return new SkillModelTrainer().Train(definition, SampleStore.Data, new SkillTrainingOptions { Version = version, NumberOfTrees = trees, Seed = seed }).Bundle;
    }
}
