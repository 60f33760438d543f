using SkillInference.Host;

var builder = WebApplication.CreateBuilder(args);
builder.AddSkillInferenceHost();

var app = builder.Build();
app.MapSkillInferenceHost();
app.Run();

/// <summary>The host's entry point (public for WebApplicationFactory in tests).</summary>
public partial class Program;
