using SkillInference.Cli;

namespace SkillInference.Tests.Cli;

/// <summary>Runs the <c>skillinf</c> command line in process, capturing standard output and error.</summary>
internal static class Skillinf
{
    public static async Task<CliResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await SkillinfCli.RunAsync(args, output, error);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }
}
