using SkillInference.Bundles;
using SkillInference.Registry;
using SkillInference.Schema;

namespace SkillInference.Cli;

/// <summary>Where a command writes, and the one place that turns failures into messages and exit codes.</summary>
internal sealed class CliConsole(TextWriter output, TextWriter error)
{
    public const int Success = 0;
    public const int Failure = 1;

    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    public IProgress<string> Progress => new SynchronousProgress(Error);

    /// <summary>Runs a command body; domain failures become "error: ..." on stderr and exit code 1, never a stack trace.</summary>
    public async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SkillInferenceException or IOException or UnauthorizedAccessException or FormatException or ArgumentException or KeyNotFoundException or InvalidOperationException)
        {
            // ArgumentException appends "(Parameter 'x')"; the CLI user needs only the sentence.
            var message = ex is ArgumentException { ParamName: { } name } ? ex.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : ex.Message;
            await Error.WriteLineAsync($"error: {message}").ConfigureAwait(false);
            if (ex is BundleValidationException { Problems.Count: > 1 } b)
            {
                foreach (var p in b.Problems)
                {
                    await Error.WriteLineAsync($"  - {p}").ConfigureAwait(false);
                }
            }
            else if (ex is SchemaValidationException { Problems.Count: > 1 } s)
            {
                foreach (var p in s.Problems)
                {
                    await Error.WriteLineAsync($"  - {p}").ConfigureAwait(false);
                }
            }
            else if (ex is RegistryException { Kind: RegistryErrorKind.Conflict })
            {
                await Error.WriteLineAsync("  someone else changed the registry at the same time; run the command again.").ConfigureAwait(false);
            }

            return Failure;
        }
    }

    private sealed class SynchronousProgress(TextWriter writer) : IProgress<string>
    {
        private readonly Lock _gate = new();

        public void Report(string value)
        {
            lock (_gate)
            {
                writer.WriteLine(value);
            }
        }
    }
}
