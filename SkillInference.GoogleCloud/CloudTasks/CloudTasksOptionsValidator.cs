using Microsoft.Extensions.Options;

namespace SkillInference.GoogleCloud.CloudTasks;

/// <summary>Validates <see cref="CloudTasksOptions"/> at start-up (source-generated from its attributes).</summary>
[OptionsValidator]
internal sealed partial class CloudTasksOptionsValidator : IValidateOptions<CloudTasksOptions>;
