using SkillInference.Host;
using SkillInference.Host.Configuration;

var builder = WebApplication.CreateBuilder(HostStartup.Options(args));
builder.UseHostDefaults().AddSkillInferenceHost();

var app = builder.Build();
app.MapSkillInferenceHost();
app.Run();

/// <summary>The host's entry point (public for WebApplicationFactory in tests).</summary>
public partial class Program;
