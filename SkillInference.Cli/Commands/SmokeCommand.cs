using System.CommandLine;
using SkillInference.Cli.Smoke;

namespace SkillInference.Cli.Commands;

/// <summary><c>skillinf smoke</c>: a post-deployment check of a running host (staging before production, deploy/deploy.sh).</summary>
internal static class SmokeCommand
{
    /// <summary>The environment variable holding the API key when <c>--api-key</c> is not given.</summary>
    public const string ApiKeyVariable = "SKILLINF_API_KEY";

    public static Command Create(CliConsole console)
    {
        var url = new Option<string>("--url") { Description = "The host's base URL, e.g. https://skillinference-staging-abc-ew.a.run.app.", Required = true };
        var apiKey = new Option<string?>("--api-key") { Description = $"Sent as X-Api-Key on every request (default: ${ApiKeyVariable})." };
        var students = new Option<int>("--students") { Description = "Sample students scored per deployed skill (spread over each feature's range), besides one with only the required features.", DefaultValueFactory = _ => 3 };
        var budget = new Option<int>("--latency-budget-ms") { Description = "The most the 95th percentile of the scoring requests may take, in milliseconds.", DefaultValueFactory = _ => 1000 };
        var wait = new Option<int>("--ready-timeout-s") { Description = "How long to wait for /health/ready to answer 200, in seconds.", DefaultValueFactory = _ => 60 };
        var skills = new Option<string[]>("--expect-skill") { Description = "A skill that must be deployed and live (repeatable).", AllowMultipleArgumentsPerToken = true };
        var command = new Command("smoke", "Smoke-test a running host: readiness, the models list, every deployed skill scored for sample students, problem details for bad inputs, a latency budget. Prints every check and a summary; exits non-zero on any failure.")
        {
            url, apiKey, students, budget, wait, skills,
        };
        command.SetAction((parse, ct) => console.RunAsync(async () =>
        {
            if (!Uri.TryCreate(parse.GetValue(url), UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("http" or "https"))
            {
                throw new ArgumentException($"--url '{parse.GetValue(url)}' is not an http(s) URL.");
            }

            if (parse.GetValue(students) is < 1 or > 100)
            {
                throw new ArgumentException("--students must be between 1 and 100.");
            }

            var options = new SmokeOptions
            {
                Url = baseUrl,
                ApiKey = parse.GetValue(apiKey) ?? Environment.GetEnvironmentVariable(ApiKeyVariable),
                Students = parse.GetValue(students),
                LatencyBudget = TimeSpan.FromMilliseconds(parse.GetValue(budget)),
                ReadyTimeout = TimeSpan.FromSeconds(parse.GetValue(wait)),
                ExpectedSkills = parse.GetValue(skills) ?? [],
            };
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var passed = await new SmokeTest(http, options, console.Out).RunAsync(ct).ConfigureAwait(false);
            return passed ? CliConsole.Success : CliConsole.Failure;
        }));
        return command;
    }
}
