/** Rules about the controllers' directives that the agent keeps between orders (DESIGN §4). */
package dev.deneb.agent.directive;
