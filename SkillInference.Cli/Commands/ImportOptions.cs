using System.CommandLine;
using SkillInference.Bundles;
using SkillInference.Registry;

namespace SkillInference.Cli.Commands;

/// <summary>The options every import shares, and publishing the result.</summary>
internal sealed class ImportOptions
{
    public required Option<string> Skill { get; init; }

    public required Option<string> Version { get; init; }

    public required Option<string> Store { get; init; }

    public required Option<bool> Deploy { get; init; }

    public required Option<string?> Description { get; init; }

    public required Option<string> Actor { get; init; }

    public required Option<string?> Reason { get; init; }

    public required Option<string?> Out { get; init; }

    public static ImportOptions Create() => new()
    {
        Skill = new Option<string>("--skill") { Description = "The skill the model scores (snake_case id).", Required = true },
        Version = new Option<string>("--version") { Description = "The bundle version (semver).", Required = true },
        Store = new Option<string>("--store") { Description = "The model store to publish to.", Required = true },
        Deploy = new Option<bool>("--deploy") { Description = "Deploy the version after publishing it." },
        Description = new Option<string?>("--description") { Description = "What this version is, for the manifest." },
        Actor = CommonOptions.Actor(),
        Reason = CommonOptions.Reason(),
        Out = new Option<string?>("--out") { Description = "Also write the bundle folder here." },
    };

    public static string ParseVersion(string text) =>
        SemanticVersion.TryParse(text, out var v) ? v.ToString() : throw new ArgumentException($"--version '{text}' is not a semantic version (e.g. 1.2.0).");

    public void AddTo(Command command)
    {
        command.Options.Add(Skill);
        command.Options.Add(Version);
        command.Options.Add(Store);
        command.Options.Add(Deploy);
        command.Options.Add(Description);
        command.Options.Add(Actor);
        command.Options.Add(Reason);
        command.Options.Add(Out);
    }

    public async Task<int> PublishAsync(CliConsole console, ParseResult parse, ModelBundle bundle, CancellationToken ct)
    {
        if (parse.GetValue(Out) is { } dir)
        {
            await bundle.WriteDirectoryAsync(dir, ct).ConfigureAwait(false);
        }

        var registry = CommonOptions.OpenRegistry(parse.GetValue(Store)!);
        var context = new ChangeContext(parse.GetValue(Actor)!, parse.GetValue(Reason));
        var result = await registry.PublishAsync(bundle, context, ct).ConfigureAwait(false);
        await console.Out.WriteLineAsync($"Published {result.Skill}@{result.Version} ({bundle.Manifest.Format}, {bundle.Schema.Count} features{(bundle.Manifest.Scaler is null ? "" : ", with scaler")}) to {result.Location}").ConfigureAwait(false);
        if (parse.GetValue(Deploy))
        {
            await registry.DeployAsync(result.Skill, result.Version.ToString(), context, ct).ConfigureAwait(false);
            await console.Out.WriteLineAsync($"Deployed {result.Skill}@{result.Version}").ConfigureAwait(false);
        }

        return CliConsole.Success;
    }
}
