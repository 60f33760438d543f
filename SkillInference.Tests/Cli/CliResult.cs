namespace SkillInference.Tests.Cli;

/// <summary>What one in-process <c>skillinf</c> run returned and wrote.</summary>
internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}
