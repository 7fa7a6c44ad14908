// What the rack's configuration will open besides its clients, for the kit's descriptor budget:
// each block's output and each voltmeter's resource, and each voltmeter's readings series.

import type { ServerConfig } from '../../../schemas/types.js';
import type { DescriptorUsage } from '../../kit/connectors/connection-budget.js';
import { rackResources } from './check-resources.js';

export function descriptorUsage(config: Pick<ServerConfig, 'blocks' | 'voltmeters'>): DescriptorUsage {
  return {
    resources: rackResources(config),
    series: config.voltmeters.map((m) => m.series),
  };
}
