namespace SkillInference.Cli;

// An explicit class in the CLI's namespace: a top-level-statements Program would sit in the global namespace and,
// visible to the tests through InternalsVisibleTo, collide with the host's public Program that WebApplicationFactory needs.
internal static class Program
{
    public static Task<int> Main(string[] args) => SkillinfCli.RunAsync(args, Console.Out, Console.Error);
}
