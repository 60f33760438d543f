using System.CommandLine;
using System.Globalization;
using SkillInference.Bundles;
using SkillInference.Registry;
using SkillInference.Training;

namespace SkillInference.Cli.Commands;

/// <summary><c>skillinf samples</c>, <c>publish</c> and <c>models list|show|deploy|rollback</c>.</summary>
internal static class StoreCommands
{
    public static Command Samples(CliConsole console)
    {
        var store = CommonOptions.Store();
        var students = new Option<int>("--students") { Description = "Synthetic students to train on.", DefaultValueFactory = _ => 6000 };
        var seed = new Option<int>("--seed") { Description = "Seed of the data and training.", DefaultValueFactory = _ => 42 };
        var catalog = CommonOptions.Catalog();
        var command = new Command("samples", "Create, publish and deploy the sample bundles (synthetic data -> train -> publish -> deploy 1.0.0), as the host does on an empty store.")
        {
            store, students, seed, catalog,
        };
        command.SetAction((parse, ct) => console.RunAsync(async () =>
        {
            var skills = await CommonOptions.LoadCatalogAsync(parse.GetValue(catalog), ct).ConfigureAwait(false);
            var registry = CommonOptions.OpenRegistry(parse.GetValue(store)!);
            var results = await SampleModels.CreateAsync(
                registry,
                skills,
                new SampleModelOptions { Students = parse.GetValue(students), Seed = parse.GetValue(seed), Actor = Environment.UserName },
                console.Progress,
                ct).ConfigureAwait(false);
            await console.Out.WriteLineAsync(results.Count == 0
                ? $"The sample bundles are already in {registry.Store.Location}."
                : $"Published {results.Count} sample bundle(s) to {registry.Store.Location}.").ConfigureAwait(false);
            await WriteListAsync(console, registry, ct).ConfigureAwait(false);
            return CliConsole.Success;
        }));
        return command;
    }

    public static Command Publish(CliConsole console)
    {
        var bundle = new Argument<string>("bundle") { Description = "The bundle folder (manifest.json + model file)." };
        var store = CommonOptions.Store();
        var actor = CommonOptions.Actor();
        var reason = CommonOptions.Reason();
        var deploy = new Option<bool>("--deploy") { Description = "Deploy the version after publishing it." };
        var command = new Command("publish", "Verify a bundle (checksum, schema, semver rule, model loads) and publish it to the store.")
        {
            bundle, store, actor, reason, deploy,
        };
        command.SetAction((parse, ct) => console.RunAsync(async () =>
        {
            var registry = CommonOptions.OpenRegistry(parse.GetValue(store)!);
            var loaded = await ModelBundle.ReadDirectoryAsync(parse.GetValue(bundle)!, ct).ConfigureAwait(false);
            var context = new ChangeContext(parse.GetValue(actor)!, parse.GetValue(reason));
            var result = await registry.PublishAsync(loaded, context, ct).ConfigureAwait(false);
            await console.Out.WriteLineAsync($"Published {result.Skill}@{result.Version} to {result.Location}{(result.SchemaChanged ? " (new feature schema: callers must update)" : "")}").ConfigureAwait(false);
            if (parse.GetValue(deploy))
            {
                await registry.DeployAsync(result.Skill, result.Version.ToString(), context, ct).ConfigureAwait(false);
                await console.Out.WriteLineAsync($"Deployed {result.Skill}@{result.Version}").ConfigureAwait(false);
            }

            return CliConsole.Success;
        }));
        return command;
    }

    public static Command Models(CliConsole console)
    {
        var models = new Command("models", "List, inspect, deploy and roll back published bundles.");
        models.Subcommands.Add(List(console));
        models.Subcommands.Add(Deploy(console));
        models.Subcommands.Add(Rollback(console));
        models.Subcommands.Add(ModelsTableCommand.Create(console));
        return models;
    }

    private static Command List(CliConsole console)
    {
        var store = CommonOptions.Store();
        var command = new Command("list", "List every skill: deployed version, published versions, test metrics.") { store };
        command.SetAction((parse, ct) => console.RunAsync(async () =>
        {
            await WriteListAsync(console, CommonOptions.OpenRegistry(parse.GetValue(store)!), ct).ConfigureAwait(false);
            return CliConsole.Success;
        }));
        return command;
    }

    private static Command Deploy(CliConsole console)
    {
        var skill = new Argument<string>("skill") { Description = "The skill id." };
        var version = new Argument<string>("version") { Description = "A published version." };
        var store = CommonOptions.Store();
        var actor = CommonOptions.Actor();
        var reason = CommonOptions.Reason();
        var command = new Command("deploy", "Deploy a published version of a skill (compare-and-swap on the registry).") { skill, version, store, actor, reason };
        command.SetAction((parse, ct) => console.RunAsync(async () =>
        {
            var registry = CommonOptions.OpenRegistry(parse.GetValue(store)!);
            var id = parse.GetValue(skill)!;
            var before = (await registry.ReadAsync(ct).ConfigureAwait(false)).Document.Skills.GetValueOrDefault(id)?.Deployed;
            var after = await registry.DeployAsync(id, parse.GetValue(version)!, new ChangeContext(parse.GetValue(actor)!, parse.GetValue(reason)), ct).ConfigureAwait(false);
            var now = after.Document.Skills[id].Deployed;
            await console.Out.WriteLineAsync(before == now ? $"{id}@{now} is already deployed; nothing changed." : $"Deployed {id}@{now} (was {before ?? "none"}).").ConfigureAwait(false);
            return CliConsole.Success;
        }));
        return command;
    }

    private static Command Rollback(CliConsole console)
    {
        var skill = new Argument<string>("skill") { Description = "The skill id." };
        var store = CommonOptions.Store();
        var actor = CommonOptions.Actor();
        var reason = CommonOptions.Reason();
        var command = new Command("rollback", "Restore the version deployed before the current one.") { skill, store, actor, reason };
        command.SetAction((parse, ct) => console.RunAsync(async () =>
        {
            var registry = CommonOptions.OpenRegistry(parse.GetValue(store)!);
            var id = parse.GetValue(skill)!;
            var before = (await registry.ReadAsync(ct).ConfigureAwait(false)).Document.Skills.GetValueOrDefault(id)?.Deployed;
            var after = await registry.RollbackAsync(id, new ChangeContext(parse.GetValue(actor)!, parse.GetValue(reason)), ct).ConfigureAwait(false);
            await console.Out.WriteLineAsync($"Rolled {id} back from {before} to {after.Document.Skills[id].Deployed}.").ConfigureAwait(false);
            return CliConsole.Success;
        }));
        return command;
    }

    private static async Task WriteListAsync(CliConsole console, ModelRegistry registry, CancellationToken ct)
    {
        var document = (await registry.ReadAsync(ct).ConfigureAwait(false)).Document;
        var skills = (await registry.Bundles.ListSkillsAsync(ct).ConfigureAwait(false)).Union(document.Skills.Keys).Order(StringComparer.Ordinal).ToArray();
        if (skills.Length == 0)
        {
            await console.Out.WriteLineAsync($"No bundles in {registry.Store.Location}. Run `skillinf samples --store {registry.Store.Location}` or `skillinf publish`.").ConfigureAwait(false);
            return;
        }

        await console.Out.WriteLineAsync($"{"SKILL",-18} {"DEPLOYED",-9} {"AUC",-6} {"R(TEACHER)",-10} {"TRAINED",-17} VERSIONS").ConfigureAwait(false);
        foreach (var skill in skills)
        {
            var registration = document.Skills.GetValueOrDefault(skill);
            var versions = await registry.Bundles.ListVersionsAsync(skill, ct).ConfigureAwait(false);
            var deployed = registration?.Deployed;
            var manifest = deployed is null ? null : await registry.Bundles.GetManifestAsync(skill, deployed, ct).ConfigureAwait(false);
            var variants = registration?.Variants.Count > 0 ? "  variants: " + string.Join(", ", registration.Variants.Select(v => string.Create(CultureInfo.InvariantCulture, $"{v.Version}={v.Weight:0.##}"))) : "";
            await console.Out.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"{skill,-18} {deployed ?? "-",-9} {Format(manifest?.Metrics.Auc),-6} {Format(manifest?.Metrics.PearsonR),-10} {manifest?.TrainedAt?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "-",-17} {string.Join(", ", versions)}{variants}")).ConfigureAwait(false);
        }
    }

    private static string Format(double? value) => value is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "-";
}
