using System.CommandLine;
using SkillInference.Catalog;
using SkillInference.Engines;
using SkillInference.Onnx;
using SkillInference.Registry;
using SkillInference.Schema;

namespace SkillInference.Cli.Commands;

/// <summary>Options several commands share, and opening what they point to.</summary>
internal static class CommonOptions
{
    public static Option<string> Store() => new("--store")
    {
        Description = "The model store: a folder (created if needed), or a Cloud Storage bucket and prefix as gs://BUCKET/PREFIX (Application Default Credentials; STORAGE_EMULATOR_HOST for an emulator).",
        Required = true,
    };

    public static Option<string?> Catalog() => new("--catalog")
    {
        Description = "The skill catalog (default: samples/skills.json beside the tool or in the current directory or a parent).",
    };

    public static Option<string> Actor() => new("--actor")
    {
        Description = "Who makes the change, for the registry history (default: $SKILLINF_ACTOR or the OS user).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SKILLINF_ACTOR") is { Length: > 0 } a ? a : Environment.UserName,
    };

    public static Option<string?> Reason() => new("--reason")
    {
        Description = "Why, recorded in the registry history.",
    };

    public static ModelRegistry OpenRegistry(string store) =>
        new(ModelStores.Open(store), formats: [.. BuiltInModelFormats.Create(), OnnxModelFormats.Create()]);

    public static async Task<SkillCatalog> LoadCatalogAsync(string? path, CancellationToken cancellationToken)
    {
        var located = SkillCatalog.Locate(path)
            ?? throw new FileNotFoundException(path is null
                ? "No skill catalog found: pass --catalog PATH (the default is samples/skills.json)."
                : $"The catalog '{path}' does not exist.");
        return await SkillCatalog.LoadAsync(located, cancellationToken).ConfigureAwait(false);
    }
}
