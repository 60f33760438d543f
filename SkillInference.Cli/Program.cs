using SkillInference.Cli;

return await SkillinfCli.RunAsync(args, Console.Out, Console.Error);
