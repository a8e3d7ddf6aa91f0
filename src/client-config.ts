// Ready-to-use client configuration for the admin account: an openrc and a clouds.yaml.
import type { Config } from './config.js';

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

export function openrc(config: Config, password: string): string {
  return [
    `export OS_AUTH_URL=${config.publicUrl}/identity/v3`,
    'export OS_IDENTITY_API_VERSION=3',
    'export OS_USERNAME=admin',
    `export OS_PASSWORD=${shellQuote(password)}`,
    'export OS_PROJECT_NAME=admin',
    'export OS_USER_DOMAIN_NAME=Default',
    'export OS_PROJECT_DOMAIN_NAME=Default',
    `export OS_REGION_NAME=${config.region}`,
    '',
  ].join('\n');
}

export function cloudsYaml(config: Config, password: string): string {
  return [
    'clouds:',
    '  virtstack:',
    '    auth:',
    `      auth_url: ${config.publicUrl}/identity/v3`,
    '      username: admin',
    `      password: ${JSON.stringify(password)}`,
    '      project_name: admin',
    '      user_domain_name: Default',
    '      project_domain_name: Default',
    `    region_name: ${config.region}`,
    '    identity_api_version: 3',
    '',
  ].join('\n');
}
