// A properties provider after the Camunda 7 one: hides what the engine ignores or refuses
// (engine_support.js), adds the group "Samverkan" (samverkan_group.js), and leaves the engine's
// own properties out of the raw "Extension properties" list.
import { withoutIgnored } from "./engine_support.js";
import { SAMVERKAN_PROPERTIES, samverkanGroup } from "./samverkan_group.js";

// Below the Camunda 7 provider's 500: it runs after it, on the groups it made.
const PRIORITY = 100;

function withoutEngineProperties(group) {
  if (group.id !== "CamundaPlatform__ExtensionProperties" || !group.items) return group;
  return { ...group, items: group.items.filter((item) => !SAMVERKAN_PROPERTIES.includes(item.label)) };
}

export default class SamverkanPropertiesProvider {
  constructor(propertiesPanel, translate, injector) {
    this.translate = translate;
    // new Modeler({samverkan: {roles: [...]}}): the roles offered as suggestions
    const config = injector.get("config.samverkan", false);
    this.roles = (config && config.roles) || [];
    propertiesPanel.registerProvider(PRIORITY, this);
  }

  getGroups(element) {
    return (groups) => {
      const kept = withoutIgnored(groups).map(withoutEngineProperties);
      const own = samverkanGroup(element, this.roles, this.translate);
      if (!own) return kept;
      // After General and Documentation, before the Camunda groups.
      const documentation = kept.findIndex((group) => group.id === "documentation");
      const at = documentation >= 0 ? documentation + 1 : Math.min(1, kept.length);
      return [...kept.slice(0, at), own, ...kept.slice(at)];
    };
  }
}

SamverkanPropertiesProvider.$inject = ["propertiesPanel", "translate", "injector"];

export const SamverkanPropertiesModule = {
  __init__: ["samverkanPropertiesProvider"],
  samverkanPropertiesProvider: ["type", SamverkanPropertiesProvider],
};
