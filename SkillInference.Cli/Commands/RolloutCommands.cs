using System.CommandLine;
using System.Globalization;
using SkillInference.Registry;
using SkillInference.Rollouts;

namespace SkillInference.Cli.Commands;

/// <summary><c>skillinf rollout start|status|pause|resume|promote|abort|rollback</c>: guarded rollouts in a store's registry.</summary>
internal static class RolloutCommands
{
    public static Command Create(CliConsole console)
    {
        var rollout = new Command("rollout", "Start, watch and steer guarded progressive rollouts (the hosts serving the store drive them).");
        rollout.Subcommands.Add(Start(console));
        rollout.Subcommands.Add(Status(console));
        rollout.Subcommands.Add(Action(console, "pause", RolloutAction.Pause, "Stop stepping; traffic stays at the current step."));
        rollout.Subcommands.Add(Action(console, "resume", RolloutAction.Resume, "Resume a paused rollout; the step's bake time starts again."));
        rollout.Subcommands.Add(Action(console, "promote", RolloutAction.Promote, "Deploy the candidate now and end the experiment."));
        rollout.Subcommands.Add(Action(console, "abort", RolloutAction.Abort, "End the rollout: all traffic to stable."));
        rollout.Subcommands.Add(Action(console, "rollback", RolloutAction.Rollback, "Roll the candidate back: all traffic to stable, the rollout rolled_back."));
        return rollout;
    }

    private static Command Start(CliConsole console)
    {
        var skill = new Argument<string>("skill") { Description = "The skill id." };
        var version = new Argument<string>("version") { Description = "The published candidate version." };
        var steps = new Option<string>("--steps") { Description = "The candidate's share at each step, in percent, comma-separated.", DefaultValueFactory = _ => "10,25,50,100" };
        var bake = new Option<string>("--bake-time") { Description = "How long each step runs at least (hh:mm:ss).", DefaultValueFactory = _ => "00:30:00" };
        var minSamples = new Option<int?>("--min-samples") { Description = "Scored rows per side and step before the traffic guards may pass (default 500)." };
        var maxPsi = new Option<double?>("--max-psi") { Description = "The largest PSI of the candidate's scores against stable's (default 0.2)." };
        var store = CommonOptions.Store();
        var actor = CommonOptions.Actor();
        var reason = CommonOptions.Reason();
        var command = new Command("start", "Start a rollout of a published version at its first step.") { skill, version, steps, bake, minSamples, maxPsi, store, actor, reason };
        command.SetAction((parse, ct) => console.RunAsync(async () =>
        {
            var stepText = parse.GetValue(steps)!;
            var parsedSteps = new List<double>();
            foreach (var part in stepText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                parsedSteps.Add(double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var s)
                    ? s
                    : throw new RegistryException(RegistryErrorKind.InvalidRequest, $"--steps: '{part}' is not a number."));
            }

            if (!TimeSpan.TryParseExact(parse.GetValue(bake), "c", CultureInfo.InvariantCulture, out var bakeTime))
            {
                throw new RegistryException(RegistryErrorKind.InvalidRequest, "--bake-time: give a duration as hh:mm:ss, e.g. 00:30:00.");
            }

            var defaults = new RolloutGuards();
            var guards = defaults with
            {
                MinSamples = parse.GetValue(minSamples) ?? defaults.MinSamples,
                MaxScorePsi = parse.GetValue(maxPsi) ?? defaults.MaxScorePsi,
            };
            var manager = new RolloutManager(CommonOptions.OpenRegistry(parse.GetValue(store)!));
            var plan = await manager.StartAsync(parse.GetValue(skill)!, new RolloutRequest(parse.GetValue(version)!, parsedSteps, bakeTime, guards), new ChangeContext(parse.GetValue(actor)!, parse.GetValue(reason)), ct).ConfigureAwait(false);
            await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Started rollout {plan.Id} of {parse.GetValue(skill)}@{plan.Version} (stable {plan.Stable}): step 1 of {plan.Steps.Count} at {plan.Weight:0.##} %, bake time {plan.BakeTime:c}. The hosts serving the store drive it; watch it with `skillinf rollout status`.")).ConfigureAwait(false);
            return CliConsole.Success;
        }));
        return command;
    }

    private static Command Status(CliConsole console)
    {
        var skill = new Argument<string>("skill") { Description = "The skill id." };
        var store = CommonOptions.Store();
        var command = new Command("status", "Show the current rollout (or the latest one) with its decisions and guard values.") { skill, store };
        command.SetAction((parse, ct) => console.RunAsync(async () =>
        {
            var manager = new RolloutManager(CommonOptions.OpenRegistry(parse.GetValue(store)!));
            var id = parse.GetValue(skill)!;
            var (current, past) = await manager.GetAsync(id, ct).ConfigureAwait(false);
            var plan = current ?? (past.Count > 0 ? past[0] : null);
            if (plan is null)
            {
                await console.Out.WriteLineAsync($"{id}: no rollout.").ConfigureAwait(false);
                return CliConsole.Success;
            }

            var o = console.Out;
            await o.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{id}: rollout {plan.Id} of {plan.Version} (stable {plan.Stable}) {plan.State}, step {plan.Step + 1} of {plan.Steps.Count}, weight {plan.Weight:0.##} %")).ConfigureAwait(false);
            await o.WriteLineAsync($"  reason: {plan.Reason}").ConfigureAwait(false);
            if (plan.Lease is { } lease)
            {
                await o.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  driven by {lease.Holder} until {lease.ExpiresAt:u}")).ConfigureAwait(false);
            }

            foreach (var d in plan.Decisions)
            {
                await o.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {d.At:u}  {d.Action,-11} step {d.Step + 1} ({d.Weight:0.##} %) by {d.Actor}: {d.Reason}")).ConfigureAwait(false);
            }

            var guards = plan.LastEvaluation?.Guards ?? (plan.Decisions.Count > 0 ? plan.Decisions[^1].Guards : []);
            foreach (var g in guards)
            {
                await o.WriteLineAsync($"    {g.Guard,-13} {g.Status,-14} {g.Detail}").ConfigureAwait(false);
            }

            return CliConsole.Success;
        }));
        return command;
    }

    private static Command Action(CliConsole console, string name, RolloutAction action, string description)
    {
        var skill = new Argument<string>("skill") { Description = "The skill id." };
        var store = CommonOptions.Store();
        var actor = CommonOptions.Actor();
        var reason = CommonOptions.Reason();
        var command = new Command(name, description) { skill, store, actor, reason };
        command.SetAction((parse, ct) => console.RunAsync(async () =>
        {
            var manager = new RolloutManager(CommonOptions.OpenRegistry(parse.GetValue(store)!));
            var plan = await manager.ApplyAsync(parse.GetValue(skill)!, action, new ChangeContext(parse.GetValue(actor)!, parse.GetValue(reason)), ct).ConfigureAwait(false);
            await console.Out.WriteLineAsync($"{parse.GetValue(skill)}: rollout {plan.Id} of {plan.Version} is {plan.State}: {plan.Reason}").ConfigureAwait(false);
            return CliConsole.Success;
        }));
        return command;
    }
}
