using System.CommandLine;
using SkillInference.Cli.Commands;

namespace SkillInference.Cli;

/// <summary>The <c>skillinf</c> command line: builds the command tree and runs it with given output writers.</summary>
internal static class SkillinfCli
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var console = new CliConsole(output, error);
        var root = new RootCommand("skillinf: synthesize data, train, publish, deploy, roll back and score SkillInference model bundles.");
        root.Subcommands.Add(DataCommands.Synth(console));
        root.Subcommands.Add(TrainCommand.Create(console));
        root.Subcommands.Add(StoreCommands.Samples(console));
        root.Subcommands.Add(StoreCommands.Publish(console));
        root.Subcommands.Add(StoreCommands.Models(console));
        root.Subcommands.Add(RolloutCommands.Create(console));
        root.Subcommands.Add(ImportCommands.Create(console, OnnxImportCommand.Create(console)));
        root.Subcommands.Add(PredictCommand.Create(console));
        root.Subcommands.Add(DbCommands.Create(console));
        root.Subcommands.Add(BatchCommands.Create(console));
        root.Subcommands.Add(MonitorCommands.Create(console));
        root.Subcommands.Add(ExportCommands.Create(console));
        root.Subcommands.Add(SmokeCommand.Create(console));
        root.Subcommands.Add(ReportCommand.Create(console));
        var parse = root.Parse(args);
        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken).ConfigureAwait(false);
    }
}
