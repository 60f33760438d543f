using System.Text;
using SkillInference.Catalog;
using SkillInference.Registry;
using SkillInference.Schema;

namespace SkillInference.Training;

/// <summary>
/// Makes the sample bundles: synthetic students from a catalog, a FastTree model per skill, published and deployed.
/// Idempotent: a version that is already published is not published again, a deployed one is not redeployed.
/// </summary>
internal static class SampleModels
{
    /// <summary>Creates, publishes and (optionally) deploys one bundle per catalog skill.</summary>
    /// <param name="registry">Where to publish.</param>
    /// <param name="catalog">The skills and the synthetic data's parameters.</param>
    /// <param name="options">How many students, which version, whether to deploy.</param>
    /// <param name="progress">Receives a line per step.</param>
    /// <param name="cancellationToken">Cancels between skills.</param>
    /// <returns>The skills and versions now published, with their test metrics.</returns>
    public static async Task<IReadOnlyList<TrainingResult>> CreateAsync(
        ModelRegistry registry,
        SkillCatalog catalog,
        SampleModelOptions? options = null,
        IProgress<string>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(catalog);
        options ??= new SampleModelOptions();
        var version = SemanticVersion.Parse(options.Version);

        var todo = new List<SkillDefinition>();
        foreach (var skill in catalog.Skills)
        {
            var versions = await registry.Bundles.ListVersionsAsync(skill.Id, cancellationToken).ConfigureAwait(false);
            if (!versions.Contains(version))
            {
                todo.Add(skill);
            }
        }

        var results = new List<TrainingResult>();
        if (todo.Count > 0)
        {
            progress?.Report($"Generating {options.Students:N0} synthetic students (seed {options.Seed})...");
            var generator = new SyntheticDataGenerator(catalog, new SyntheticDataOptions { Seed = options.Seed });
            var csv = new StringBuilder();
            using (var writer = new StringWriter(csv))
            {
                generator.WriteCsv(writer, options.Students);
            }

            var dataset = TrainingDataset.ParseCsv(Encoding.UTF8.GetBytes(csv.ToString()));
            var trainer = new SkillModelTrainer();
            var trainingOptions = options.Training with { Version = options.Version, Seed = options.Seed, Description = "Sample model trained on synthetic data." };
            var trained = new TrainingResult[todo.Count];
            await Parallel.ForAsync(0, todo.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken }, (i, _) =>
            {
                trained[i] = trainer.Train(todo[i], dataset, trainingOptions);
                var m = trained[i].Bundle.Manifest.Metrics;
                progress?.Report($"Trained {todo[i].Id}: AUC {m.Auc:0.000}, accuracy {m.Accuracy:0.000}, r(teacher) {m.PearsonR:0.000}, {trained[i].Duration.TotalSeconds:0.0} s");
                return ValueTask.CompletedTask;
            }).ConfigureAwait(false);

            foreach (var result in trained)
            {
                try
                {
                    await registry.PublishAsync(result.Bundle, new ChangeContext(options.Actor, "sample model"), cancellationToken).ConfigureAwait(false);
                    progress?.Report($"Published {result.Bundle.Skill}@{result.Bundle.Version}");
                }
                catch (RegistryException ex) when (ex.Kind == RegistryErrorKind.VersionExists)
                {
                    // Another process seeding the same store got there first.
                }

                results.Add(result);
            }
        }

        if (options.Deploy)
        {
            foreach (var skill in catalog.Skills)
            {
                var deployed = (await registry.ReadAsync(cancellationToken).ConfigureAwait(false)).Document.Skills.GetValueOrDefault(skill.Id)?.Deployed;
                if (deployed is not null)
                {
                    continue;
                }

                try
                {
                    await registry.DeployAsync(skill.Id, options.Version, new ChangeContext(options.Actor, "sample model on an empty store"), cancellationToken).ConfigureAwait(false);
                    progress?.Report($"Deployed {skill.Id}@{options.Version}");
                }
                catch (RegistryException ex) when (ex.Kind == RegistryErrorKind.Conflict)
                {
                    // Another process changed the registry meanwhile; if it deployed the skill, fine, else the next start retries.
                }
            }
        }

        return results;
    }
}
